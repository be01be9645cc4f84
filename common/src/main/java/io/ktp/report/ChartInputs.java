package io.ktp.report;

import java.util.Map;

/**
 * Input checks for {@link Charts}. Each check throws {@link IllegalArgumentException} with a message
 * that names the chart, the value and the rule, so a report job that feeds a bad series fails with
 * a cause the user can act on.
 */
final class ChartInputs {
  /** Largest accepted width or height: a 10000 x 10000 ARGB image already needs 400 MB of heap. */
  static final int MAX_SIDE = 10_000;

  private ChartInputs() {
  }

  /** Throws unless {@code pixels} is between 1 and {@link #MAX_SIDE}. */
  static void checkSide(String name, int pixels) {
    if (pixels < 1 || pixels > MAX_SIDE) {
      throw new IllegalArgumentException("Invalid value " + pixels + " for " + name
          + ": must be between 1 and " + MAX_SIDE + " pixels.");
    }
  }

  /** Throws unless the chart title contains a visible character. */
  static void checkTitle(String title) {
    if (isBlank(title)) {
      throw new IllegalArgumentException("Invalid value " + quote(title)
          + " for title: must not be blank. Pass the heading to show above the chart.");
    }
  }

  /** Throws unless the axis label contains a visible character. */
  static void checkAxisLabel(String name, String label) {
    if (isBlank(label)) {
      throw new IllegalArgumentException("Invalid value " + quote(label) + " for " + name
          + ": must not be blank. Pass the axis name, with its unit if it has one.");
    }
  }

  /**
   * Throws unless every series has a non-blank name and at least one finite value, and no value is
   * infinite. NaN is accepted because it marks an epoch with no measurement.
   */
  static void checkSeries(String title, Map<String, double[]> series) {
    if (series == null || series.isEmpty()) {
      throw new IllegalArgumentException("No series to plot in chart " + quote(title)
          + ": the series map is " + (series == null ? "null" : "empty")
          + ". Pass at least one series.");
    }
    for (Map.Entry<String, double[]> entry : series.entrySet()) {
      checkName("series", "legend", title, entry.getKey());
      checkValues(title, entry.getKey(), entry.getValue());
    }
  }

  /** Throws unless every bar has a non-blank name and a finite value. */
  static void checkBars(String title, Map<String, Double> bars) {
    if (bars == null || bars.isEmpty()) {
      throw new IllegalArgumentException("No bars to plot in chart " + quote(title)
          + ": the bar map is " + (bars == null ? "null" : "empty") + ". Pass at least one bar.");
    }
    for (Map.Entry<String, Double> entry : bars.entrySet()) {
      checkName("bar", "category axis", title, entry.getKey());
      Double value = entry.getValue();
      if (value == null || !Double.isFinite(value)) {
        throw new IllegalArgumentException("Bar " + quote(entry.getKey()) + " in chart "
            + quote(title) + " has value " + value
            + ". Bar values must be finite, so leave out a bar that has no value.");
      }
    }
  }

  /** Returns {@code text} in double quotes, or {@code null} unquoted, so blank text stays visible. */
  static String quote(String text) {
    return text == null ? "null" : "\"" + text + "\"";
  }

  private static void checkValues(String title, String name, double[] values) {
    if (values == null || values.length == 0) {
      throw new IllegalArgumentException("Series " + quote(name) + " in chart " + quote(title)
          + " has no values. Pass one value per epoch, or leave the series out.");
    }
    int finite = 0;
    for (int i = 0; i < values.length; i++) {
      if (Double.isInfinite(values[i])) {
        throw new IllegalArgumentException("Series " + quote(name) + " in chart " + quote(title)
            + " has value " + values[i] + " at epoch " + (i + 1)
            + ". Values must be finite, or NaN to leave a gap.");
      }
      if (!Double.isNaN(values[i])) {
        finite++;
      }
    }
    if (finite == 0) {
      throw new IllegalArgumentException("Series " + quote(name) + " in chart " + quote(title)
          + " has only NaN values (" + values.length + (values.length == 1 ? " epoch" : " epochs")
          + "). Pass at least one finite value, or leave the series out.");
    }
  }

  private static void checkName(String kind, String shownOn, String title, String name) {
    if (isBlank(name)) {
      throw new IllegalArgumentException("Invalid " + kind + " name " + quote(name) + " in chart "
          + quote(title) + ": must not be blank. Name each " + kind + ", because the " + shownOn
          + " shows the names.");
    }
  }

  private static boolean isBlank(String text) {
    return text == null || text.isBlank();
  }
}
