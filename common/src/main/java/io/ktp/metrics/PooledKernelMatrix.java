package io.ktp.metrics;

/**
 * Kernel values between all distinct rows of the pooled sample z = (x, y), computed once so that
 * each permutation of the MMD test only re-sums them under new group labels.
 *
 * <p>Only the upper triangle is stored because the kernel is symmetric: row i contains k(z_i, z_j)
 * for j = i + 1 .. N - 1 at index j - i - 1. The diagonal is never needed, because the unbiased
 * estimator excludes it.
 *
 * <p>NOTE: memory grows as 8 N (N - 1) / 2 bytes, about 400 MB for N = 10,000 pooled rows.
 */
final class PooledKernelMatrix {
  /** Group label of a row that belongs to sample x. */
  static final int GROUP_X = 0;
  /** Group label of a row that belongs to sample y. */
  static final int GROUP_Y = 1;

  private final double[][] upperTriangle;

  PooledKernelMatrix(double[][] pooledRows, GaussianMixtureKernel kernel) {
    int size = pooledRows.length;
    upperTriangle = new double[size][];
    for (int i = 0; i < size; i++) {
      double[] row = new double[size - i - 1];
      for (int j = i + 1; j < size; j++) {
        row[j - i - 1] = kernel.value(pooledRows[i], pooledRows[j]);
      }
      upperTriangle[i] = row;
    }
  }

  int size() {
    return upperTriangle.length;
  }

  /**
   * Computes the unbiased MMD^2 when row i belongs to the sample named by {@code groups[i]}.
   *
   * <p>Each pair i < j adds its kernel value to the bucket {@code groups[i] + groups[j]}: 0 when
   * both rows are in x, 1 for a cross pair and 2 when both are in y.
   *
   * @param groups {@link #GROUP_X} or {@link #GROUP_Y} for each pooled row
   * @param sizeX number of entries of {@code groups} equal to {@link #GROUP_X}
   */
  double unbiasedMmd2(int[] groups, int sizeX) {
    double[] pairSums = new double[3];
    for (int i = 0; i < upperTriangle.length; i++) {
      double[] row = upperTriangle[i];
      int groupI = groups[i];
      for (int k = 0; k < row.length; k++) {
        pairSums[groupI + groups[i + 1 + k]] += row[k];
      }
    }
    return Mmd.combinePairSums(pairSums[0], pairSums[2], pairSums[1], sizeX, size() - sizeX);
  }
}
