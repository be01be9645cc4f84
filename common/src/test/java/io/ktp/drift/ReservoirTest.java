package io.ktp.drift;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.commons.math3.stat.inference.ChiSquareTest;
import org.junit.jupiter.api.Test;

/** Checks that the reservoir is bounded, order-independent, seeded and uniform. */
class ReservoirTest {
  @Test
  void keepsCapacityAndCountsOffers() {
    Reservoir<Integer> reservoir = fill(new Reservoir<>(10, 1), ids(1000));

    assertEquals(10, reservoir.items().size());
    assertEquals(1000, reservoir.offered());
  }

  @Test
  void sameSampleForAnyOrderOrPartitioning() {
    List<Integer> ids = ids(500);
    List<Integer> shuffled = new ArrayList<>(ids);
    Collections.shuffle(shuffled, new Random(9));
    Reservoir<Integer> whole = fill(new Reservoir<>(25, 7), ids);
    Reservoir<Integer> first = fill(new Reservoir<>(25, 7), shuffled.subList(0, 200));
    Reservoir<Integer> second = fill(new Reservoir<>(25, 7), shuffled.subList(200, 500));

    assertEquals(whole.items(), first.merge(second).items());
    assertEquals(500, first.offered());
  }

  @Test
  void otherSeedOtherSample() {
    assertNotEquals(fill(new Reservoir<>(25, 7), ids(500)).items(),
        fill(new Reservoir<>(25, 8), ids(500)).items());
  }

  @Test
  void fewerItemsThanCapacityKeepsAll() {
    assertEquals(5, fill(new Reservoir<>(25, 7), ids(5)).items().size());
    assertEquals(0, fill(new Reservoir<>(0, 7), ids(5)).items().size());
  }

  @Test
  void inclusionUniformOverSeeds() {
    // 2,000 seeds, 10 of 50 ids each: every id is expected 400 times. A chi-square goodness of
    // fit test against equal counts rejects a biased sampler at the 0.001 level.
    long[] counts = new long[50];
    for (long seed = 0; seed < 2000; seed++) {
      for (int id : fill(new Reservoir<>(10, seed), ids(50)).items()) {
        counts[id]++;
      }
    }
    double[] expected = new double[50];
    java.util.Arrays.fill(expected, 400);

    double pValue = new ChiSquareTest().chiSquareTest(expected, counts);

    assertTrue(pValue > 0.001, "p-value " + pValue);
  }

  private static List<Integer> ids(int count) {
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ids.add(i);
    }
    return ids;
  }

  private static Reservoir<Integer> fill(Reservoir<Integer> reservoir, List<Integer> ids) {
    for (int id : ids) {
      reservoir.offer("row-" + id, id);
    }
    return reservoir;
  }
}
