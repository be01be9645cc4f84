package io.ktp.compress;

import java.util.Set;
import org.deeplearning4j.nn.conf.constraint.BaseConstraint;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * A DL4J layer constraint that prunes a layer's weights to a fixed sparsity after every update,
 * so that fine-tuning a pruned network stays sparse on each worker (projected gradient descent
 * onto the weights with at most {@code (1 - sparsity) x length} non-zeros).
 */
public final class PruningConstraint extends BaseConstraint {
  private static final long serialVersionUID = 1L;

  @JsonProperty("sparsity")
  private double sparsity;

  /** For Jackson, which reads the sparsity from the configuration JSON. */
  PruningConstraint() {
    super(Set.of("W"));
  }

  /** Returns a constraint that keeps the W parameters at {@code sparsity}, in [0, 1). */
  public PruningConstraint(double sparsity) {
    super(Set.of("W"));
    if (!(sparsity >= 0 && sparsity < 1)) {
      throw new IllegalArgumentException("sparsity must be in [0, 1), got " + sparsity);
    }
    this.sparsity = sparsity;
  }

  public double sparsity() {
    return sparsity;
  }

  @Override
  public void apply(INDArray param) {
    MagnitudePruning.pruneInPlace(param, sparsity);
  }

  @Override
  public PruningConstraint clone() {
    return new PruningConstraint(sparsity);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof PruningConstraint constraint && constraint.sparsity == sparsity
        && super.equals(other);
  }

  @Override
  public int hashCode() {
    return super.hashCode() * 31 + Double.hashCode(sparsity);
  }
}
