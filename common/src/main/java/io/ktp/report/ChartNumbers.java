package io.ktp.report;

import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.text.NumberFormat;
import java.util.Collection;
import java.util.Locale;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.NumberTickUnitSource;
import org.jfree.chart.axis.TickUnit;
import org.jfree.chart.axis.TickUnitSource;

/**
 * Number formats for chart axes and value labels, in {@link Locale#ROOT} so that a chart looks the
 * same under every default locale.
 */
final class ChartNumbers {
  /** Minimum magnitude written in plain notation, because smaller ones need too many zeros. */
  private static final double MIN_PLAIN_MAGNITUDE = 1e-6;
  /** Magnitude from which numbers are written in scientific notation. */
  private static final double MAX_PLAIN_MAGNITUDE_EXCLUSIVE = 1e7;
  private static final String SCIENTIFIC = "0.###E0";

  private ChartNumbers() {
  }

  /**
   * Returns the tick sizes of JFreeChart's {@link NumberTickUnitSource} (1, 2 and 5 times a power
   * of ten, for any magnitude), each formatted with the decimals its size needs. JFreeChart's own
   * formats follow the default locale, and {@code NumberAxis.createStandardTickUnits(Locale)} shows
   * at most 3 decimals, so ticks 0.0001 apart would all read "0".
   */
  static TickUnitSource tickUnits(boolean integers) {
    return new RootLocaleTickUnits(new NumberTickUnitSource(integers));
  }

  /**
   * Returns the format for bar value labels: 4 significant digits for the maximum magnitude and
   * the same decimals for every bar. For example, the maximum magnitude 0.9743 gives 4 decimals,
   * 0.00123 gives 6 decimals and 1234.5 gives none.
   */
  static NumberFormat valueFormat(Collection<Double> values) {
    double maxMagnitude = 0;
    for (double value : values) {
      maxMagnitude = Math.max(maxMagnitude, Math.abs(value));
    }
    if (maxMagnitude == 0) {
      return format("0");
    }
    if (maxMagnitude < MIN_PLAIN_MAGNITUDE || maxMagnitude >= MAX_PLAIN_MAGNITUDE_EXCLUSIVE) {
      return format(SCIENTIFIC);
    }
    return format(decimalPattern(3 - exponent(maxMagnitude)));
  }

  /** Returns the format for ticks {@code size} apart: 0.05 gives 2 decimals, 20 gives none. */
  static NumberFormat tickFormat(double size) {
    if (size < MIN_PLAIN_MAGNITUDE || size >= MAX_PLAIN_MAGNITUDE_EXCLUSIVE) {
      return format(SCIENTIFIC);
    }
    return format(decimalPattern(-exponent(size)));
  }

  /** Returns the power of ten of the leading digit: 2 for 123.4, -3 for 0.00123. */
  private static int exponent(double magnitude) {
    int exponent = (int) Math.floor(Math.log10(magnitude));
    // log10 can land just below an exact power of ten, such as log10(1e-3) = -2.9999999999999996.
    if (Math.pow(10, exponent + 1) <= magnitude) {
      exponent++;
    }
    return exponent;
  }

  private static String decimalPattern(int decimals) {
    return decimals <= 0 ? "0" : "0." + "0".repeat(decimals);
  }

  private static NumberFormat format(String pattern) {
    return new DecimalFormat(pattern, DecimalFormatSymbols.getInstance(Locale.ROOT));
  }

  /** Tick sizes from a {@link NumberTickUnitSource}, with formats from {@link #tickFormat}. */
  private static final class RootLocaleTickUnits implements TickUnitSource {
    private final NumberTickUnitSource sizes;

    RootLocaleTickUnits(NumberTickUnitSource sizes) {
      this.sizes = sizes;
    }

    @Override
    public TickUnit getLargerTickUnit(TickUnit unit) {
      // NumberTickUnitSource steps up only when the unit equals its own, and NumberTickUnit.equals
      // compares formats too, so a unit with a format from here must first be mapped back.
      TickUnit ceiling = sizes.getCeilingTickUnit(unit.getSize());
      if (ceiling.getSize() <= unit.getSize()) {
        ceiling = sizes.getLargerTickUnit(ceiling);
      }
      return withFormat(ceiling);
    }

    @Override
    public TickUnit getCeilingTickUnit(TickUnit unit) {
      return withFormat(sizes.getCeilingTickUnit(unit));
    }

    @Override
    public TickUnit getCeilingTickUnit(double size) {
      return withFormat(sizes.getCeilingTickUnit(size));
    }

    private static TickUnit withFormat(TickUnit unit) {
      return new NumberTickUnit(unit.getSize(), tickFormat(unit.getSize()),
          unit.getMinorTickCount());
    }
  }
}
