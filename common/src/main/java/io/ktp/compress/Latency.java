package io.ktp.compress;

/**
 * Inference time of a model measured in this JVM: per sample at one batch size, and the
 * throughput that follows from it.
 *
 * @param batchSize rows per call
 * @param microsPerSample mean wall time per row, in microseconds
 * @param samplesPerSecond rows per second at this batch size
 */
public record Latency(int batchSize, double microsPerSample, double samplesPerSecond) {

  /** Computes the predictions for a batch of feature rows. */
  @FunctionalInterface
  public interface Predictor {
    int[] predict(float[][] batch);
  }

  /**
   * Times {@code predictor} on batches of {@code batchSize} rows cut from {@code rows} in turn:
   * {@code warmUp} calls first, untimed, so the JIT compiler and native libraries settle, then
   * {@code repeats} timed calls. Example: 64 rows per batch and 100 repeats taking 0.32 s give
   * 0.32 s / 6,400 rows = 50 microseconds per sample and 20,000 samples per second.
   */
  public static Latency measure(Predictor predictor, float[][] rows, int batchSize, int warmUp,
      int repeats) {
    if (rows.length < batchSize || batchSize < 1 || repeats < 1 || warmUp < 0) {
      throw new IllegalArgumentException("Need batchSize >= 1, at least batchSize rows,"
          + " repeats >= 1 and warmUp >= 0; got batchSize " + batchSize + ", " + rows.length
          + " rows, repeats " + repeats + ", warmUp " + warmUp);
    }
    int batches = rows.length / batchSize;
    float[][][] cut = new float[batches][][];
    for (int b = 0; b < batches; b++) {
      cut[b] = java.util.Arrays.copyOfRange(rows, b * batchSize, (b + 1) * batchSize);
    }
    long checksum = 0;
    for (int i = 0; i < warmUp; i++) {
      checksum += predictor.predict(cut[i % batches])[0];
    }
    long start = System.nanoTime();
    for (int i = 0; i < repeats; i++) {
      checksum += predictor.predict(cut[i % batches])[0];
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    // The checksum keeps the JIT compiler from dropping calls whose results are unused.
    if (checksum == Long.MIN_VALUE) {
      throw new IllegalStateException("unreachable checksum");
    }
    double samples = (double) repeats * batchSize;
    return new Latency(batchSize, seconds * 1e6 / samples, samples / seconds);
  }
}
