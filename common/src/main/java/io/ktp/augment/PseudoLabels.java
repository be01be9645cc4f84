package io.ktp.augment;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.desc;
import static org.apache.spark.sql.functions.row_number;

import io.ktp.data.Samples;
import io.ktp.train.Minibatches;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Scores unlabelled rows with a network on the executors and picks the rows to pseudo-label.
 *
 * <p>Scored rows have the columns {@value #ID}, {@value #PREDICTED} (the most probable class),
 * {@value #CONFIDENCE} (its probability) and {@value #HIDDEN_LABEL} (the true label of a row whose
 * label status is hidden, else null).
 */
public final class PseudoLabels {
  public static final String ID = "id";
  public static final String PREDICTED = "predicted";
  public static final String CONFIDENCE = "confidence";
  public static final String HIDDEN_LABEL = "hidden_label";

  static final StructType SCORED_SCHEMA = new StructType()
      .add(ID, DataTypes.StringType, false)
      .add(PREDICTED, DataTypes.IntegerType, false)
      .add(CONFIDENCE, DataTypes.DoubleType, false)
      .add(HIDDEN_LABEL, DataTypes.IntegerType, true);
  private static final int CHUNK = 512;
  private static final String RANK = "_rank";

  private PseudoLabels() {
  }

  /**
   * Scores the rows of {@code unlabelled} (sample columns plus {@link AugmentedSamples#LABEL_STATUS})
   * with {@code network}; {@code scale} multiplies every feature as in training. The predicted
   * class is the most probable of {@code classes}, the classes of the labelled rows: the networks
   * have an output per digit class, and a binary table must not get pseudo-labels 2 to 9 from
   * outputs that its labelled rows never trained.
   */
  public static Dataset<Row> score(SparkSession spark, MultiLayerNetwork network,
      Dataset<Row> unlabelled, double scale, int[] classes) {
    Broadcast<byte[]> model = JavaSparkContext.fromSparkContext(spark.sparkContext())
        .broadcast(serialize(network));
    return spark.createDataFrame(unlabelled
        .select(Samples.ID, Samples.FEATURES, Samples.LABEL, AugmentedSamples.LABEL_STATUS)
        .javaRDD()
        .mapPartitions(rows -> scorePartition(restore(model.value()), rows, scale, classes)),
        SCORED_SCHEMA);
  }

  /**
   * Returns the scored rows to pseudo-label: those with a confidence at or above
   * {@code threshold}, at most {@code perClassCap} per predicted class, the most confident first
   * (ties by id, so the choice does not depend on the partitioning).
   */
  public static Dataset<Row> select(Dataset<Row> scored, double threshold, int perClassCap) {
    return scored.filter(col(CONFIDENCE).geq(threshold))
        .withColumn(RANK, row_number().over(Window.partitionBy(col(PREDICTED))
            .orderBy(desc(CONFIDENCE), col(ID))))
        .filter(col(RANK).leq(perClassCap))
        .drop(RANK);
  }

  /**
   * Returns the histogram of the confidences in {@code bins} equal bins over [0, 1]; bin i
   * counts confidences in [i / bins, (i + 1) / bins), and the last bin includes 1.
   */
  public static long[] histogram(Dataset<Row> scored, int bins) {
    long[] counts = new long[bins];
    List<Row> rows = scored.selectExpr("least(cast(floor(" + CONFIDENCE + " * " + bins
        + ") as int), " + (bins - 1) + ") as bin").groupBy("bin").count().collectAsList();
    for (Row row : rows) {
      counts[row.getInt(0)] = row.getLong(1);
    }
    return counts;
  }

  private static Iterator<Row> scorePartition(MultiLayerNetwork network, Iterator<Row> rows,
      double scale, int[] classes) {
    List<Row> scored = new ArrayList<>();
    List<Row> chunk = new ArrayList<>(CHUNK);
    while (rows.hasNext()) {
      chunk.add(rows.next());
      if (chunk.size() == CHUNK || !rows.hasNext()) {
        float[][] inputs = new float[chunk.size()][];
        for (int i = 0; i < inputs.length; i++) {
          inputs[i] = Minibatches.scaled(chunk.get(i).getList(1), scale);
        }
        INDArray probabilities = network.output(Nd4j.create(inputs), false);
        int[] predicted = mostProbable(probabilities, classes);
        for (int i = 0; i < predicted.length; i++) {
          Row row = chunk.get(i);
          boolean hidden = AugmentedSamples.HIDDEN.equals(row.getString(3));
          scored.add(RowFactory.create(row.getString(0), predicted[i],
              probabilities.getDouble(i, predicted[i]), hidden ? row.getInt(2) : null));
        }
        chunk.clear();
      }
    }
    return scored.iterator();
  }

  /** Returns, per row, the class of {@code classes} with the largest probability. */
  static int[] mostProbable(INDArray probabilities, int[] classes) {
    int[] predicted = new int[(int) probabilities.rows()];
    for (int i = 0; i < predicted.length; i++) {
      predicted[i] = classes[0];
      for (int c : classes) {
        if (probabilities.getDouble(i, c) > probabilities.getDouble(i, predicted[i])) {
          predicted[i] = c;
        }
      }
    }
    return predicted;
  }

  private static byte[] serialize(MultiLayerNetwork network) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      ModelSerializer.writeModel(network, bytes, false);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot serialize the scoring network", e);
    }
    return bytes.toByteArray();
  }

  private static MultiLayerNetwork restore(byte[] bytes) {
    try {
      return ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(bytes), false);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot restore the scoring network", e);
    }
  }
}
