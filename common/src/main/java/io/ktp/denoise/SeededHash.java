package io.ktp.denoise;

import java.nio.charset.StandardCharsets;

/**
 * Seeded 64-bit hashes of row ids. A row's fold and its random stream depend only on the seed and
 * its id, never on its partition, so the same seed gives the same result for any
 * partitioning.
 */
public final class SeededHash {
  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;

  private SeededHash() {
  }

  /** Returns a well-mixed hash of {@code seed}, {@code id} and {@code salt}. */
  public static long of(long seed, String id, long salt) {
    long hash = FNV_OFFSET;
    for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
      hash = (hash ^ (b & 0xff)) * FNV_PRIME;
    }
    return mix(mix(hash ^ seed) + salt);
  }

  /** Returns the fold of a row, in [0, folds). */
  static int fold(long seed, String id, int folds) {
    return (int) Math.floorMod(of(seed, id, 0), (long) folds);
  }

  /** SplitMix64's finalizer (Steele, Lea and Flood, 2014): every input bit affects every output bit. */
  static long mix(long value) {
    long z = value + 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
