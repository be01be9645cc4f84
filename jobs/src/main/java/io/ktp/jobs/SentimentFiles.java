package io.ktp.jobs;

import io.ktp.cli.Checks;
import io.ktp.cli.UserException;
import io.ktp.data.SampleTables;
import io.ktp.data.Samples;
import io.ktp.data.SentimentJsonReader;
import io.ktp.data.TextSample;
import io.ktp.data.TokenFeatures;
import io.ktp.io.Workspace;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/**
 * The sentiment files that {@code ingest --datasets sentiment} reads, and how it turns each into
 * a text sample table named {@code sentiment-<file name without .json>}: lower-cased word tokens
 * in {@value Samples#TOKENS} and hashed token counts as the features ({@link TokenFeatures}).
 */
final class SentimentFiles {
  /** Prefix of the domain name of every sentiment table. */
  static final String DOMAIN_PREFIX = "sentiment-";
  private static final Logger LOG = LoggerFactory.getLogger(SentimentFiles.class);
  /** Largest bucket count: at 65,536 inputs a first layer of 128 units has 8.4 million weights. */
  private static final int MAX_BUCKETS = 1 << 16;

  @Option(names = "--sentiment", paramLabel = "FILES", split = ",",
      description = "Sentiment JSON files ({\"text\", \"class\"} objects, class 0 negative and 1"
          + " positive) that '--datasets sentiment' ingests, one table per file named"
          + " sentiment-<file name>. Default: ${DEFAULT-VALUE}.")
  List<String> files = new ArrayList<>(List.of("data/sentiment/amazon.json",
      "data/sentiment/imdb.json", "data/sentiment/yelp.json"));

  @Option(names = "--hash-buckets", paramLabel = "N",
      description = "Features of a sentiment row: token counts hashed into N buckets."
          + " Default: ${DEFAULT-VALUE}.")
  int hashBuckets = 1024;

  /** Checks the options and that every file exists; returns the domain names in file order. */
  List<String> validate(Configuration conf) throws UserException {
    Checks.atLeast("--hash-buckets", hashBuckets, 1);
    if (hashBuckets > MAX_BUCKETS) {
      throw new UserException(Checks.invalid("--hash-buckets", hashBuckets,
          "must be <= " + MAX_BUCKETS));
    }
    List<String> domains = new ArrayList<>();
    for (String file : files) {
      Path path = Inputs.existingFile(file, "--sentiment", conf);
      String domain = domain(path);
      Workspace.checkName("domain", domain);
      if (domains.contains(domain)) {
        throw new UserException(Checks.invalid("--sentiment", String.join(",", files),
            "two files give the domain '" + domain + "'; each file name must be unique"));
      }
      domains.add(domain);
    }
    return domains;
  }

  /** Fails when an output table overlaps an input file or exists without overwrite. */
  void checkOutputs(Workspace workspace, Configuration conf, boolean overwrite)
      throws UserException, IOException {
    for (String file : files) {
      Path input = Inputs.existingFile(file, "--sentiment", conf);
      Path output = workspace.samples(domain(input));
      Inputs.checkDisjoint(input, "--sentiment", output, "--workspace");
      Preflight.on(workspace).requireNoTable(domain(input), overwrite);
    }
  }

  /**
   * Reads every file, so that a damaged one stops the job before it writes anything; returns the
   * sentences by file.
   */
  Map<Path, List<TextSample>> read(Configuration conf) throws UserException, IOException {
    Map<Path, List<TextSample>> sentences = new LinkedHashMap<>();
    for (String file : files) {
      Path path = Inputs.existingFile(file, "--sentiment", conf);
      sentences.put(path, SentimentJsonReader.read(path.getFileSystem(conf), path, domain(path)));
    }
    return sentences;
  }

  /**
   * Tokenizes and splits the sentences of every file and writes one table each; adds each
   * file's SHA-256 to {@code inputs} and returns the written tables, cached.
   */
  List<Dataset<Row>> ingest(JobContext context, Map<Path, List<TextSample>> sentences,
      double validationFraction, double testFraction, long seed, boolean overwrite,
      Map<String, String> inputs) throws UserException, IOException {
    SparkSession spark = context.spark();
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    TokenFeatures hashing = new TokenFeatures(hashBuckets);
    List<Dataset<Row>> written = new ArrayList<>();
    for (Map.Entry<Path, List<TextSample>> file : sentences.entrySet()) {
      Path path = file.getKey();
      String domain = domain(path);
      List<TextSample> samples = file.getValue();
      Dataset<Row> table = SampleTables.assignSplits(toTable(spark, domain, samples, hashing),
          validationFraction, testFraction, seed).cache();
      SampleTables.write(table, context.workspace(), domain, overwrite);
      LOG.info("Read {} sentences from {}; wrote {} with {} hashed token features", samples.size(),
          path, domain, hashBuckets);
      inputs.put(path.toString(), Inputs.sha256(path, conf));
      written.add(table);
    }
    return written;
  }

  Map<String, Object> config() {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("--sentiment", String.join(",", files));
    config.put("--hash-buckets", hashBuckets);
    return config;
  }

  /** Returns the domain of a sentiment file: "sentiment-yelp" for .../yelp.json. */
  static String domain(Path file) {
    String name = file.getName();
    return DOMAIN_PREFIX + (name.endsWith(".json") ? name.substring(0, name.length() - 5) : name);
  }

  private static Dataset<Row> toTable(SparkSession spark, String domain,
      List<TextSample> samples, TokenFeatures hashing) {
    List<Row> rows = new ArrayList<>(samples.size());
    for (TextSample sample : samples) {
      List<String> tokens = TokenFeatures.tokenize(sample.text());
      rows.add(RowFactory.create(sample.id(), domain, sample.label(), hashing.features(tokens),
          1.0, sample.origin(), tokens.toArray(new String[0])));
    }
    return spark.createDataFrame(rows, unsplitSchema(hashing));
  }

  /** Returns the text sample schema without the split column, which splitting appends. */
  private static StructType unsplitSchema(TokenFeatures hashing) {
    List<StructField> fields = new ArrayList<>();
    for (StructField field : Samples.textSchema(hashing.metadata()).fields()) {
      if (!field.name().equals(Samples.SPLIT)) {
        fields.add(field);
      }
    }
    return DataTypes.createStructType(fields);
  }
}
