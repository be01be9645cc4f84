package io.ktp.train;

import java.util.Locale;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * The knowledge-distillation loss of Hinton, Vinyals and Dean (2015), "Distilling the Knowledge in
 * a Neural Network", as a DL4J loss function:
 *
 * <pre>
 * L = alpha * T^2 * KL(softmax(t / T) || softmax(z / T)) + (1 - alpha) * CE(y, softmax(z))
 * </pre>
 *
 * <p>where z are the student's logits (the output layer's pre-activation), t the teacher's logits,
 * y the one-hot label and T the temperature. The label array of a minibatch carries both targets:
 * each row is the one-hot label (C columns) followed by the teacher's logits (C columns), so
 * DL4J's minibatch and parameter-averaging path needs no change. A row whose one-hot part is all
 * zero has no true label, so its cross-entropy term is 0 and only the teacher term trains it.
 *
 * <p>The gradient with respect to z is {@code alpha * T * (softmax(z/T) - softmax(t/T)) + (1 -
 * alpha) * (sum(y) * softmax(z) - y)}: the T^2 factor keeps the soft term's gradient on the same
 * scale for every temperature. Example, one row, C = 2, T = 2, alpha = 0.5, z = (0, 0),
 * t = (2, 0), y = (1, 0): softmax(t/2) = (0.731, 0.269), softmax(z/2) = (0.5, 0.5), so the
 * gradient is 0.5 * 2 * (-0.231, 0.231) + 0.5 * (-0.5, 0.5) = (-0.481, 0.481).
 *
 * <p>The loss reads the pre-activation and ignores the layer's activation function, so the output
 * layer should use softmax: then {@code network.output} returns the class probabilities at T = 1
 * and the trained student is an ordinary classifier.
 */
public final class DistillationLoss implements ILossFunction {
  private static final long serialVersionUID = 1L;

  private final double temperature;
  private final double alpha;

  /**
   * Returns the loss at {@code temperature} (> 0) with weight {@code alpha} (in [0, 1]) on the
   * teacher term.
   */
  @JsonCreator
  public DistillationLoss(@JsonProperty("temperature") double temperature,
      @JsonProperty("alpha") double alpha) {
    if (!(temperature > 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException("temperature must be finite and > 0, got " + temperature);
    }
    if (!(alpha >= 0 && alpha <= 1)) {
      throw new IllegalArgumentException("alpha must be in [0, 1], got " + alpha);
    }
    this.temperature = temperature;
    this.alpha = alpha;
  }

  @JsonProperty("temperature")
  public double temperature() {
    return temperature;
  }

  @JsonProperty("alpha")
  public double alpha() {
    return alpha;
  }

  @Override
  public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn,
      INDArray mask, boolean average) {
    double sum = computeScoreArray(labels, preOutput, activationFn, mask).sumNumber()
        .doubleValue();
    return average ? sum / preOutput.size(0) : sum;
  }

  @Override
  public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn,
      INDArray mask) {
    Targets targets = Targets.split(labels, preOutput);
    INDArray logits = preOutput.castTo(targets.oneHot().dataType());
    INDArray teacherLog = logSoftmax(targets.teacherLogits().div(temperature));
    INDArray studentLog = logSoftmax(logits.div(temperature));
    INDArray teacher = Transforms.exp(teacherLog, true);
    INDArray kl = teacher.mul(teacherLog.sub(studentLog)).sum(true, 1);
    INDArray crossEntropy = targets.oneHot().mul(logSoftmax(logits)).sum(true, 1).negi();
    INDArray rows = kl.muli(alpha * temperature * temperature).addi(crossEntropy.muli(1 - alpha));
    return applyMask(rows, mask).castTo(preOutput.dataType());
  }

  @Override
  public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn,
      INDArray mask) {
    Targets targets = Targets.split(labels, preOutput);
    INDArray logits = preOutput.castTo(targets.oneHot().dataType());
    INDArray teacher = Transforms.exp(logSoftmax(targets.teacherLogits().div(temperature)), false);
    INDArray student = Transforms.exp(logSoftmax(logits.div(temperature)), false);
    INDArray soft = student.subi(teacher).muli(alpha * temperature);
    INDArray labelled = targets.oneHot().sum(true, 1);
    INDArray hard = Transforms.exp(logSoftmax(logits), false).muliColumnVector(labelled)
        .subi(targets.oneHot()).muli(1 - alpha);
    INDArray gradient = soft.addi(hard);
    return applyMask(gradient, mask).castTo(preOutput.dataType());
  }

  @Override
  public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput,
      IActivation activationFn, INDArray mask, boolean average) {
    return new Pair<>(computeScore(labels, preOutput, activationFn, mask, average),
        computeGradient(labels, preOutput, activationFn, mask));
  }

  @Override
  public String name() {
    return toString();
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "DistillationLoss(temperature=%s, alpha=%s)", temperature,
        alpha);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof DistillationLoss loss && loss.temperature == temperature
        && loss.alpha == alpha;
  }

  @Override
  public int hashCode() {
    return Double.hashCode(temperature) * 31 + Double.hashCode(alpha);
  }

  /** Returns log(softmax(x)) per row, shifted by the row maximum so that exp cannot overflow. */
  static INDArray logSoftmax(INDArray x) {
    INDArray shifted = x.subColumnVector(x.max(true, 1));
    INDArray logSum = Transforms.log(Transforms.exp(shifted, true).sum(true, 1), false);
    return shifted.subiColumnVector(logSum);
  }

  /** Multiplies each row by its mask value; DL4J passes a per-row mask or none. */
  private static INDArray applyMask(INDArray values, INDArray mask) {
    if (mask == null) {
      return values;
    }
    if (mask.length() != values.size(0)) {
      throw new IllegalArgumentException("The distillation loss takes one mask value per row,"
          + " got a mask of shape " + java.util.Arrays.toString(mask.shape()));
    }
    INDArray column = mask.castTo(values.dataType()).reshape(mask.length(), 1);
    return values.mulColumnVector(column);
  }

  /** The two halves of a label array, in the label array's data type. */
  private record Targets(INDArray oneHot, INDArray teacherLogits) {
    static Targets split(INDArray labels, INDArray preOutput) {
      long classes = preOutput.size(1);
      if (labels.rank() != 2 || labels.size(1) != 2 * classes
          || labels.size(0) != preOutput.size(0)) {
        throw new IllegalArgumentException("Distillation labels must be [rows, 2 x classes] ="
            + " [" + preOutput.size(0) + ", " + 2 * classes + "] (one-hot label, then teacher"
            + " logits), got " + java.util.Arrays.toString(labels.shape()));
      }
      return new Targets(labels.get(NDArrayIndex.all(), NDArrayIndex.interval(0, classes)),
          labels.get(NDArrayIndex.all(), NDArrayIndex.interval(classes, 2 * classes)));
    }
  }
}
