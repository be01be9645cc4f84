package io.ktp.augment;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SmoteTest {
  private static final List<Augmenter.Neighbour> CLASS = List.of(
      new Augmenter.Neighbour("a", new double[] {0, 0}),
      new Augmenter.Neighbour("b", new double[] {1, 0}),
      new Augmenter.Neighbour("c", new double[] {0, 3}),
      new Augmenter.Neighbour("d", new double[] {-1, 0}));

  @Test
  void nearestLeavesOutRowItself() {
    List<Augmenter.Neighbour> nearest = Smote.nearest("a", new double[] {0, 0}, CLASS, 2);

    assertEquals(List.of("b", "d"), nearest.stream().map(Augmenter.Neighbour::id).toList());
  }

  @Test
  void nearestIgnoresInputOrder() {
    List<Augmenter.Neighbour> reversed = new java.util.ArrayList<>(CLASS);
    java.util.Collections.reverse(reversed);

    assertEquals(Smote.nearest("c", new double[] {0, 3}, CLASS, 2),
        Smote.nearest("c", new double[] {0, 3}, reversed, 2));
  }

  @Test
  void interpolationLiesOnSegment() {
    double[] row = {0, 4};
    List<Augmenter.Neighbour> partner = List.of(new Augmenter.Neighbour("p", new double[] {2, 0}));
    for (int seed = 0; seed < 20; seed++) {
      double[] synthetic = Smote.interpolate(row, partner, new Random(seed));
      double gap = synthetic[0] / 2;

      assertEquals(4 - 4 * gap, synthetic[1], 1e-12);
      assertEquals(true, gap >= 0 && gap < 1, "gap " + gap);
    }
  }
}
