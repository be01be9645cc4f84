package io.ktp.metrics;

import java.util.Arrays;
import java.util.Objects;

/**
 * Outcome of {@link Mmd#test}: the observed unbiased MMD^2, its permutation p-value and the
 * settings that produced them.
 *
 * <p>The bandwidths array is copied on the way in and out, and {@code equals}, {@code hashCode}
 * and {@code toString} use its contents, so a result behaves as an immutable value.
 *
 * @param mmd2 unbiased MMD^2 of the original split; may be slightly negative
 * @param pValue (1 + #{permutations >= mmd2}) / (1 + permutations), in (0, 1]
 * @param permutations number of random permutations
 * @param bandwidths kernel bandwidths used, in the units of the columns
 * @param sizeX rows in sample x
 * @param sizeY rows in sample y
 */
public record MmdResult(double mmd2, double pValue, int permutations, double[] bandwidths,
    int sizeX, int sizeY) {

  public MmdResult {
    bandwidths = Objects.requireNonNull(bandwidths, "bandwidths is null").clone();
  }

  /** Returns a copy of the kernel bandwidths. */
  @Override
  public double[] bandwidths() {
    return bandwidths.clone();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof MmdResult that
        && Double.compare(mmd2, that.mmd2) == 0
        && Double.compare(pValue, that.pValue) == 0
        && permutations == that.permutations
        && Arrays.equals(bandwidths, that.bandwidths)
        && sizeX == that.sizeX
        && sizeY == that.sizeY;
  }

  @Override
  public int hashCode() {
    return Objects.hash(mmd2, pValue, permutations, Arrays.hashCode(bandwidths), sizeX, sizeY);
  }

  @Override
  public String toString() {
    return "MmdResult[mmd2=" + mmd2 + ", pValue=" + pValue + ", permutations=" + permutations
        + ", bandwidths=" + Arrays.toString(bandwidths) + ", sizeX=" + sizeX + ", sizeY=" + sizeY
        + "]";
  }
}
