package io.ktp.denoise;

import java.util.Arrays;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * Flags likely wrong labels from out-of-fold probabilities with {@link ConfidentLearning}. The
 * score is the margin p(suggested) - p(given), the threshold the suggested class's threshold,
 * and the new label the suggested class.
 */
final class LabelNoise {
  private static final Logger LOG = LoggerFactory.getLogger(LabelNoise.class);

  private LabelNoise() {
  }

  static Dataset<Row> find(SparkSession spark, JavaRDD<Scored> scored, int classes) {
    Tuple2<double[], long[]> sums = scored.treeAggregate(
        new Tuple2<>(new double[classes], new long[classes]),
        (acc, row) -> {
          acc._1()[row.label()] += row.probabilities()[row.label()];
          acc._2()[row.label()]++;
          return acc;
        },
        (a, b) -> {
          for (int c = 0; c < classes; c++) {
            a._1()[c] += b._1()[c];
            a._2()[c] += b._2()[c];
          }
          return a;
        });
    double[] thresholds = ConfidentLearning.thresholds(sums._1(), sums._2());
    LOG.info("Confident-learning thresholds per class: {}", Arrays.toString(
        Arrays.stream(thresholds).map(t -> Math.round(t * 1000) / 1000.0).toArray()));
    JavaRDD<Row> flags = scored.flatMap(row -> {
      int suggested = ConfidentLearning.suggestedLabel(row.probabilities(), row.label(),
          thresholds);
      if (suggested < 0) {
        return java.util.Collections.emptyIterator();
      }
      double margin = row.probabilities()[suggested] - row.probabilities()[row.label()];
      return java.util.List.of(Flags.of(row.id(), Reason.LABEL_NOISE, margin,
          thresholds[suggested], suggested)).iterator();
    });
    return spark.createDataFrame(flags, Flags.SCHEMA);
  }
}
