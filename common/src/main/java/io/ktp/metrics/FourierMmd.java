package io.ktp.metrics;

import io.ktp.cli.Checks;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.QRDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * MMD^2 in linear time with random Fourier features (Rahimi and Recht, "Random Features for
 * Large-Scale Kernel Machines", NIPS 2007), for samples too large for {@link Mmd}'s quadratic
 * estimator.
 *
 * <p>The kernel is the same Gaussian mixture as {@link Mmd}'s, approximated by
 * phi(a) . phi(b) with phi(a) = sqrt(1 / (S D)) (cos(w . a), sin(w . a)) over D frequencies w per
 * bandwidth s, each w distributed as N(0, I / s^2) and drawn in orthogonal blocks. Then |phi(a)|^2 = 1 = k(a, a), and the unbiased
 * estimate of {@link Mmd#unbiasedMmd2} becomes a function of the sums of phi over each sample:
 *
 * <pre>
 * MMD^2_u ~ (|Sx|^2 - n) / (n (n - 1)) + (|Sy|^2 - m) / (m (m - 1)) - 2 Sx . Sy / (n m)
 * </pre>
 *
 * <p>so one pass over each sample suffices, and Spark sums phi per partition. The approximation
 * error falls as 1 / sqrt(D); the benchmark in {@code docs/benchmarks.md} measures it.
 */
public final class FourierMmd implements Serializable {
  private static final long serialVersionUID = 1L;
  /** Rows per matrix product; 1,024 rows x 2,048 frequencies take 16 MB per array. */
  private static final int CHUNK_ROWS = 1024;

  /** Frequencies, one row per feature pair, already divided by their bandwidth. */
  private final double[][] frequencies;
  private final double scale;

  private FourierMmd(double[][] frequencies) {
    this.frequencies = frequencies;
    this.scale = Math.sqrt(1.0 / frequencies.length);
  }

  /**
   * Draws the frequencies for rows of {@code columns} values.
   *
   * @param bandwidths the mixture's bandwidths, each finite and > 0
   * @param featuresPerBandwidth frequencies per bandwidth, >= 1; each gives a cosine and a sine
   * @param seed seed of the frequencies; equal seeds give equal estimates
   */
  public static FourierMmd of(int columns, double[] bandwidths, int featuresPerBandwidth,
      long seed) {
    if (columns < 1 || featuresPerBandwidth < 1 || bandwidths.length == 0) {
      throw new IllegalArgumentException(Checks.invalid("columns, features per bandwidth and"
          + " bandwidth count", columns + ", " + featuresPerBandwidth + ", " + bandwidths.length,
          "each must be >= 1"));
    }
    Random random = new Random(seed);
    double[][] frequencies = new double[bandwidths.length * featuresPerBandwidth][];
    for (int s = 0; s < bandwidths.length; s++) {
      if (!(bandwidths[s] > 0) || Double.isInfinite(bandwidths[s])) {
        throw new IllegalArgumentException(Checks.invalid("bandwidths[" + s + "]",
            bandwidths[s], "must be finite and > 0"));
      }
      for (int first = 0; first < featuresPerBandwidth; first += columns) {
        double[][] block = orthogonalBlock(columns, random);
        for (int k = first; k < Math.min(featuresPerBandwidth, first + columns); k++) {
          double[] w = block[k - first];
          for (int c = 0; c < columns; c++) {
            w[c] /= bandwidths[s];
          }
          frequencies[s * featuresPerBandwidth + k] = w;
        }
      }
    }
    return new FourierMmd(frequencies);
  }

  /**
   * Draws {@code columns} orthogonal frequencies for a unit bandwidth (Yu, Suresh, Choromanski,
   * Holtmann-Rice and Kumar, "Orthogonal Random Features", NIPS 2016): the rows of the Q factor of
   * a Gaussian matrix, each scaled to the length of an independent Gaussian vector. Each row is
   * still distributed as N(0, I), so the estimate stays unbiased, and orthogonality lowers its
   * variance.
   */
  private static double[][] orthogonalBlock(int columns, Random random) {
    double[][] gaussian = new double[columns][columns];
    for (double[] row : gaussian) {
      for (int c = 0; c < columns; c++) {
        row[c] = random.nextGaussian();
      }
    }
    RealMatrix q = new QRDecomposition(new Array2DRowRealMatrix(gaussian, false)).getQ();
    double[][] block = new double[columns][];
    for (int k = 0; k < columns; k++) {
      double length = 0;
      for (int c = 0; c < columns; c++) {
        double value = random.nextGaussian();
        length += value * value;
      }
      block[k] = q.getColumn(k);
      double scale = Math.sqrt(length);
      for (int c = 0; c < columns; c++) {
        block[k][c] *= scale;
      }
    }
    return block;
  }

  /** Returns the length of phi: two values per frequency. */
  public int dimension() {
    return 2 * frequencies.length;
  }

  /** Adds phi(row) to {@code sum}, which has {@link #dimension()} values. */
  public void accumulate(double[] row, double[] sum) {
    for (int k = 0; k < frequencies.length; k++) {
      double[] w = frequencies[k];
      double dot = 0;
      for (int c = 0; c < row.length; c++) {
        dot += w[c] * row[c];
      }
      sum[2 * k] += scale * Math.cos(dot);
      sum[2 * k + 1] += scale * Math.sin(dot);
    }
  }

  /** The sum of phi over a sample, and the sample's size. */
  public record Embedding(double[] sum, long rows) implements Serializable {
    Embedding plus(Embedding other) {
      double[] total = sum.clone();
      for (int i = 0; i < total.length; i++) {
        total[i] += other.sum[i];
      }
      return new Embedding(total, rows + other.rows);
    }
  }

  /**
   * Sums phi over rows on this JVM, {@value #CHUNK_ROWS} rows at a time: one matrix product of the
   * rows with the frequencies, then the cosine and sine of every entry, summed by column.
   */
  public Embedding embed(Iterator<double[]> rows) {
    INDArray transposed = Nd4j.create(frequencies).transpose();
    double[] sum = new double[dimension()];
    long count = 0;
    List<double[]> chunk = new ArrayList<>(CHUNK_ROWS);
    while (rows.hasNext()) {
      chunk.add(rows.next());
      count++;
      if (chunk.size() == CHUNK_ROWS) {
        addChunk(chunk, transposed, sum);
        chunk.clear();
      }
    }
    if (!chunk.isEmpty()) {
      addChunk(chunk, transposed, sum);
    }
    return new Embedding(sum, count);
  }

  private void addChunk(List<double[]> chunk, INDArray transposed, double[] sum) {
    INDArray products = Nd4j.create(chunk.toArray(new double[0][])).mmul(transposed);
    double[] cosines = Transforms.cos(products, true).sum(0).toDoubleVector();
    double[] sines = Transforms.sin(products, false).sum(0).toDoubleVector();
    for (int k = 0; k < cosines.length; k++) {
      sum[2 * k] += scale * cosines[k];
      sum[2 * k + 1] += scale * sines[k];
    }
  }

  /** Sums phi over the array column {@code column} of a table with Spark, one pass. */
  public Embedding embed(Dataset<Row> table, String column) {
    JavaRDD<Row> rows = table.select(column).javaRDD();
    FourierMmd map = this;
    return rows.mapPartitions(it -> List.of(map.embed(new RowValues(it))).iterator())
        .treeReduce(Embedding::plus, 2);
  }

  /** Returns the estimate of MMD^2_u from two embeddings; each sample needs >= 2 rows. */
  public static double unbiasedMmd2(Embedding x, Embedding y) {
    if (x.rows() < 2 || y.rows() < 2) {
      throw new IllegalArgumentException(Checks.invalid("sample sizes", x.rows() + " and "
          + y.rows(), "each sample needs at least 2 rows"));
    }
    double xx = 0;
    double yy = 0;
    double xy = 0;
    for (int i = 0; i < x.sum().length; i++) {
      xx += x.sum()[i] * x.sum()[i];
      yy += y.sum()[i] * y.sum()[i];
      xy += x.sum()[i] * y.sum()[i];
    }
    double n = x.rows();
    double m = y.rows();
    return (xx - n) / (n * (n - 1)) + (yy - m) / (m * (m - 1)) - 2 * xy / (n * m);
  }

  /** Estimates MMD^2_u of two samples held in memory. */
  public double unbiasedMmd2(double[][] x, double[][] y) {
    return unbiasedMmd2(embed(List.of(x).iterator()), embed(List.of(y).iterator()));
  }

  /** Reads an array-of-doubles column as double arrays. */
  private record RowValues(Iterator<Row> rows) implements Iterator<double[]> {
    @Override
    public boolean hasNext() {
      return rows.hasNext();
    }

    @Override
    public double[] next() {
      List<Double> values = rows.next().getList(0);
      double[] out = new double[values.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = values.get(i);
      }
      return out;
    }
  }
}
