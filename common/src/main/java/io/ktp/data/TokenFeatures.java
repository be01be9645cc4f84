package io.ktp.data;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.ml.feature.HashingTF;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.MetadataBuilder;

/**
 * Turns text into lower-cased word tokens, and tokens into a fixed-length feature vector by
 * feature hashing (Weinberger et al., 2009): feature i counts the tokens whose hash falls in
 * bucket i. The hash is Spark ML's {@link HashingTF#indexOf(Object)} (MurmurHash3 x86 32-bit of
 * the token's UTF-8 bytes, seed 42, non-negative modulo the bucket count), so the buckets do not
 * depend on the JVM or the row order. Example with 4 buckets: "good good food" gives the tokens
 * [good, good, food]; if "good" hashes to bucket 1 and "food" to bucket 3, the features are
 * (0, 2, 0, 1).
 *
 * <p>A text table records the method and the bucket count in the features column's metadata
 * ({@value #HASHING} = {@value #METHOD}, {@value #BUCKETS}), so that a job can recompute the
 * features of changed tokens exactly as ingest computed them.
 */
public final class TokenFeatures implements Serializable {
  /** Metadata key of the method that made the features from the tokens. */
  public static final String HASHING = "feature_hashing";
  /** Metadata value of {@link #HASHING} for this class's method. */
  public static final String METHOD = "spark-ml-hashingtf-murmur3-counts";
  /** Metadata key of the number of hash buckets, the feature count. */
  public static final String BUCKETS = "hash_buckets";

  private static final long serialVersionUID = 1L;
  /** Letters and digits, with apostrophes inside a word ("don't"); everything else separates. */
  private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]+(?:'[\\p{L}\\p{N}]+)*");

  private final int buckets;
  private final HashingTF hashing;

  /** Prepares features of {@code buckets} dimensions. */
  public TokenFeatures(int buckets) {
    this.buckets = buckets;
    this.hashing = new HashingTF().setNumFeatures(buckets);
  }

  /** Returns the words of {@code text}, lower-cased in the root locale, in order. */
  public static List<String> tokenize(String text) {
    List<String> tokens = new ArrayList<>();
    Matcher matcher = WORD.matcher(text.toLowerCase(Locale.ROOT));
    while (matcher.find()) {
      tokens.add(matcher.group());
    }
    return tokens;
  }

  /** Returns the token counts per hash bucket. */
  public double[] features(List<String> tokens) {
    double[] counts = new double[buckets];
    for (String token : tokens) {
      counts[hashing.indexOf(token)] += 1;
    }
    return counts;
  }

  /** Returns the feature count. */
  public int buckets() {
    return buckets;
  }

  /** Returns the features column metadata that records this method. */
  public Metadata metadata() {
    return new MetadataBuilder()
        .putLong(Samples.GRID_ROWS, 0)
        .putLong(Samples.GRID_COLUMNS, 0)
        .putString(HASHING, METHOD)
        .putLong(BUCKETS, buckets)
        .build();
  }

  /**
   * Returns the method that {@code metadata} records, or null when it records none or another
   * method.
   */
  public static TokenFeatures of(Metadata metadata) {
    boolean recorded = metadata.contains(HASHING) && metadata.contains(BUCKETS)
        && METHOD.equals(metadata.getString(HASHING));
    return recorded ? new TokenFeatures((int) metadata.getLong(BUCKETS)) : null;
  }
}
