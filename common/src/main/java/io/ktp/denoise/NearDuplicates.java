package io.ktp.denoise;

import io.ktp.data.Samples;
import io.ktp.train.Minibatches;
import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import scala.Tuple2;

/**
 * Finds near duplicates: same-label rows within {@code nearDistance} of a row with a smaller id.
 * The smallest id of every group of near duplicates is never flagged, so each group keeps one
 * representative. The score is the distance to the closest such neighbour.
 *
 * <p>Candidates come from locality-sensitive hashing with random projections (Datar, Immorlica,
 * Indyk and Mirrokni, 2004). Spark MLlib's {@code BucketedRandomProjectionLSH} hashes each table
 * with one projection, so on dense data such as the digits a bucket contains a fixed share of
 * all rows and its self-join grows with the square of the row count. Here a bucket key combines
 * {@value #PROJECTIONS} projections and the label, and inside a bucket each row is compared only
 * with the {@value #WINDOW} rows before it in the order of its first projection (the sorted
 * neighbourhood method), so the work per row is bounded: about tables x {@value #WINDOW}
 * distances. By Datar et al.'s formula, two rows at distance 1 fall in the same bucket of one
 * projection of width 8 with probability 0.90, so in the same bucket of a table of four with
 * probability 0.90^4 = 0.66, and six tables all miss the pair with probability 0.34^6 = 0.002.
 */
final class NearDuplicates {
  static final int PROJECTIONS = 4;
  static final int WINDOW = 50;

  private NearDuplicates() {
  }

  static Dataset<Row> find(SparkSession spark, Dataset<Row> rows, int features,
      DenoiseSettings settings) {
    Hashes hashes = Hashes.random(settings.lshTables(), features, settings.lshBucketWidth(),
        settings.seed());
    int partitions = Math.max(1, rows.rdd().getNumPartitions());
    double limit = settings.nearDistance();
    JavaPairRDD<BucketKey, Candidate> keyed = rows
        .select(Samples.ID, Samples.LABEL, Samples.FEATURES).javaRDD()
        .flatMapToPair(row -> hashes.keys(Candidate.of(row)).iterator());
    JavaRDD<Row> flags = keyed
        .repartitionAndSortWithinPartitions(new BucketPartitioner(partitions), BucketKey.ORDER)
        .mapPartitionsToPair(sorted -> closePairs(sorted, limit).iterator())
        .reduceByKey(Math::min)
        .map(flag -> Flags.of(flag._1(), Reason.NEAR_DUPLICATE, flag._2(), limit, null));
    return spark.createDataFrame(flags, Flags.SCHEMA);
  }

  /**
   * Streams one partition sorted by bucket and first projection, comparing each row with the
   * {@value #WINDOW} rows before it in the same bucket; returns (larger id, distance) per close
   * pair.
   */
  private static List<Tuple2<String, Double>> closePairs(
      Iterator<Tuple2<BucketKey, Candidate>> sorted, double limit) {
    List<Tuple2<String, Double>> pairs = new ArrayList<>();
    ArrayDeque<Candidate> window = new ArrayDeque<>();
    long bucket = 0;
    while (sorted.hasNext()) {
      Tuple2<BucketKey, Candidate> next = sorted.next();
      if (window.isEmpty() || next._1().bucket() != bucket) {
        window.clear();
        bucket = next._1().bucket();
      }
      Candidate row = next._2();
      for (Candidate earlier : window) {
        double distance = earlier.distance(row);
        if (distance <= limit) {
          String later = earlier.id().compareTo(row.id()) < 0 ? row.id() : earlier.id();
          pairs.add(new Tuple2<>(later, distance));
        }
      }
      window.addLast(row);
      if (window.size() > WINDOW) {
        window.removeFirst();
      }
    }
    return pairs;
  }

  /** Id, label and features of a row, as the search compares them. */
  record Candidate(String id, int label, float[] features) implements Serializable {
    static Candidate of(Row row) {
      return new Candidate(row.getString(0), row.getInt(1),
          Minibatches.scaled(row.getList(2), 1.0));
    }

    double distance(Candidate other) {
      double sum = 0;
      for (int i = 0; i < features.length; i++) {
        double difference = features[i] - other.features[i];
        sum += difference * difference;
      }
      return Math.sqrt(sum);
    }
  }

  /** A bucket of one hash table, and the row's position along the table's first projection. */
  record BucketKey(long bucket, double position, String id) implements Serializable {
    static final Comparator<BucketKey> ORDER = new KeyOrder();
  }

  /** Orders keys by bucket, then position, then id; serializable for Spark's sort. */
  private static final class KeyOrder implements Comparator<BucketKey>, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public int compare(BucketKey a, BucketKey b) {
      int byBucket = Long.compare(a.bucket(), b.bucket());
      if (byBucket != 0) {
        return byBucket;
      }
      int byPosition = Double.compare(a.position(), b.position());
      return byPosition != 0 ? byPosition : a.id().compareTo(b.id());
    }
  }

  /** Sends every key of one bucket to the same partition. */
  private static final class BucketPartitioner extends Partitioner {
    private static final long serialVersionUID = 1L;
    private final int partitions;

    BucketPartitioner(int partitions) {
      this.partitions = partitions;
    }

    @Override
    public int numPartitions() {
      return partitions;
    }

    @Override
    public int getPartition(Object key) {
      return (int) Math.floorMod(SeededHash.mix(((BucketKey) key).bucket()), (long) partitions);
    }
  }

  /**
   * Random projections h(x) = floor((a . x + b) / w), {@value #PROJECTIONS} per table, with a
   * Gaussian and b uniform in [0, w).
   */
  record Hashes(double[][][] directions, double[][] offsets, double width)
      implements Serializable {
    static Hashes random(int tables, int features, double width, long seed) {
      Random random = new Random(seed);
      double[][][] directions = new double[tables][PROJECTIONS][features];
      double[][] offsets = new double[tables][PROJECTIONS];
      for (int t = 0; t < tables; t++) {
        for (int p = 0; p < PROJECTIONS; p++) {
          for (int f = 0; f < features; f++) {
            directions[t][p][f] = random.nextGaussian();
          }
          offsets[t][p] = random.nextDouble() * width;
        }
      }
      return new Hashes(directions, offsets, width);
    }

    /** Returns the row's key in every table; the label is part of the bucket. */
    List<Tuple2<BucketKey, Candidate>> keys(Candidate row) {
      List<Tuple2<BucketKey, Candidate>> keys = new ArrayList<>(directions.length);
      for (int t = 0; t < directions.length; t++) {
        long bucket = SeededHash.mix(t * 31L + row.label());
        double first = 0;
        for (int p = 0; p < PROJECTIONS; p++) {
          double position = dot(directions[t][p], row.features()) + offsets[t][p];
          if (p == 0) {
            first = position;
          }
          bucket = SeededHash.mix(bucket ^ (long) Math.floor(position / width));
        }
        keys.add(new Tuple2<>(new BucketKey(bucket, first, row.id()), row));
      }
      return keys;
    }

    private static double dot(double[] direction, float[] features) {
      double sum = 0;
      for (int i = 0; i < features.length; i++) {
        sum += direction[i] * features[i];
      }
      return sum;
    }
  }
}
