package io.ktp.train;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Adds a teacher network's logits to training examples, on the executors, for distillation with
 * {@link DistillationLoss}.
 */
public final class SoftTargets {
  private static final int BATCH = 512;

  private SoftTargets() {
  }

  /**
   * Returns {@code examples} with the logits of {@code teacher} attached to every row (cached).
   * The teacher travels to the executors as a broadcast of its configuration JSON and parameters,
   * and each partition rebuilds it once.
   */
  public static JavaRDD<Example> attach(JavaSparkContext sparkContext, MultiLayerNetwork teacher,
      JavaRDD<Example> examples) {
    Broadcast<String> configuration = sparkContext.broadcast(teacher.getLayerWiseConfigurations()
        .toJson());
    Broadcast<float[]> parameters = sparkContext.broadcast(teacher.params().toFloatVector());
    return examples.mapPartitions(rows -> withLogits(rows, configuration.value(),
        parameters.value()).iterator()).cache();
  }

  private static List<Example> withLogits(Iterator<Example> rows, String configuration,
      float[] parameters) {
    MultiLayerNetwork teacher = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(
        configuration));
    teacher.init(Nd4j.create(parameters).reshape(1, parameters.length), true);
    List<Example> out = new ArrayList<>();
    List<Example> batch = new ArrayList<>(BATCH);
    while (rows.hasNext()) {
      batch.add(rows.next());
      if (batch.size() == BATCH || !rows.hasNext()) {
        out.addAll(withLogits(teacher, batch));
        batch.clear();
      }
    }
    return out;
  }

  /** Returns {@code batch} with the logits of {@code teacher} attached to every row. */
  public static List<Example> withLogits(MultiLayerNetwork teacher, List<Example> batch) {
    float[][] features = new float[batch.size()][];
    for (int i = 0; i < features.length; i++) {
      features[i] = batch.get(i).features();
    }
    INDArray logits = Networks.logits(teacher, Nd4j.create(features));
    List<Example> out = new ArrayList<>(batch.size());
    for (int i = 0; i < features.length; i++) {
      out.add(batch.get(i).withTeacherLogits(logits.getRow(i).toFloatVector()));
    }
    return out;
  }
}
