package io.ktp.augment;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * Synthetic minority over-sampling (SMOTE; Chawla, Bowyer, Hall and Kegelmeyer, 2002): a new row
 * lies on the segment between a row and one of its k nearest rows of the same class. With
 * features (0, 4) and a neighbour at (2, 0), a gap of 0.25 gives (0.5, 3).
 */
final class Smote {
  private Smote() {
  }

  /**
   * Returns the {@code k} rows of {@code sameClass} nearest to {@code features} in Euclidean
   * distance, leaving out the row {@code id} itself; ties go to the smaller id, so the result
   * does not depend on the order of {@code sameClass}.
   */
  static List<Augmenter.Neighbour> nearest(String id, double[] features,
      List<Augmenter.Neighbour> sameClass, int k) {
    // NOTE: a linear scan per row, so SMOTE costs the square of the labelled rows per class;
    // that is meant for the few labelled rows of a target domain, not for whole tables.
    List<Augmenter.Neighbour> others = new ArrayList<>();
    List<Double> distances = new ArrayList<>();
    for (Augmenter.Neighbour candidate : sameClass == null ? List.<Augmenter.Neighbour>of()
        : sameClass) {
      if (!candidate.id().equals(id)) {
        others.add(candidate);
        distances.add(squaredDistance(features, candidate.features()));
      }
    }
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < others.size(); i++) {
      order.add(i);
    }
    order.sort(Comparator.comparingDouble((Integer i) -> distances.get(i))
        .thenComparing(i -> others.get(i).id()));
    List<Augmenter.Neighbour> nearest = new ArrayList<>();
    for (int i = 0; i < Math.min(k, order.size()); i++) {
      nearest.add(others.get(order.get(i)));
    }
    return nearest;
  }

  /** Returns a point between {@code features} and a random one of {@code nearest}. */
  static double[] interpolate(double[] features, List<Augmenter.Neighbour> nearest,
      Random random) {
    double[] partner = nearest.get(random.nextInt(nearest.size())).features();
    double gap = random.nextDouble();
    double[] synthetic = new double[features.length];
    for (int i = 0; i < features.length; i++) {
      synthetic[i] = features[i] + gap * (partner[i] - features[i]);
    }
    return synthetic;
  }

  private static double squaredDistance(double[] a, double[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      double difference = a[i] - b[i];
      sum += difference * difference;
    }
    return sum;
  }
}
