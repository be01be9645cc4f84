package io.ktp.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.text.NumberFormat;
import java.util.List;
import java.util.Locale;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.TickUnit;
import org.jfree.chart.axis.TickUnitSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ChartNumbersTest {
  @ParameterizedTest(name = "maximum {0} formats {1} as {2}")
  @CsvSource({
      "0.9743, 0.9, 0.9000",
      "0.9743, 0.9743, 0.9743",
      "0.0412, -0.0003, -0.00030",
      "0.00123, 0.00123, 0.001230",
      "0.001, 0.001, 0.001000",
      "1234.6, 1234.6, 1235",
      "123.4, 123.4, 123.4",
      "0.0, 0.0, 0",
      "4e-7, 4e-7, 4E-7",
      "2.5e8, 2.5e8, 2.5E8"})
  void valueFormatKeepsFourSignificantDigits(double maxMagnitude, double value, String expected) {
    NumberFormat format = ChartNumbers.valueFormat(List.of(maxMagnitude, -maxMagnitude / 2));

    assertEquals(expected, format.format(value));
  }

  @ParameterizedTest(name = "ticks {0} apart format {1} as {2}")
  @CsvSource({
      "0.2, 0.4, 0.4",
      "0.05, 0.15, 0.15",
      "0.0001, 0.0003, 0.0003",
      "0.001, 0.002, 0.002",
      "5, 15, 15",
      "1e-7, 3e-7, 3E-7",
      "2e7, 4e7, 4E7"})
  void tickFormatShowsNeededDecimals(double size, double tick, String expected) {
    assertEquals(expected, ChartNumbers.tickFormat(size).format(tick));
  }

  @Test
  void tickUnitsCoverSmallSizes() {
    TickUnit unit = ChartNumbers.tickUnits(false).getCeilingTickUnit(0.00015);

    assertEquals(0.0002, unit.getSize(), 1e-12);
    assertEquals("0.0004", unit.valueToString(0.0004));
  }

  @Test
  void tickUnitsStepToLargerSize() {
    TickUnit unit = ChartNumbers.tickUnits(false).getLargerTickUnit(new NumberTickUnit(0.2));

    assertEquals(0.5, unit.getSize(), 1e-12);
    assertEquals("1.5", unit.valueToString(1.5));
  }

  @Test
  void tickUnitsStepFromOwnUnit() {
    TickUnitSource units = ChartNumbers.tickUnits(false);
    TickUnit unit = units.getCeilingTickUnit(0.2);

    assertEquals(0.5, units.getLargerTickUnit(unit).getSize(), 1e-12);
  }

  @Test
  void integerTickUnitsSkipFractions() {
    TickUnit unit = ChartNumbers.tickUnits(true).getCeilingTickUnit(0.3);

    assertEquals(1.0, unit.getSize(), 1e-12);
    assertEquals("7", unit.valueToString(7));
  }

  @Test
  void formatsIgnoreDefaultLocale() {
    Locale original = Locale.getDefault();
    try {
      Locale.setDefault(Locale.GERMANY);

      assertEquals("0.9743", ChartNumbers.valueFormat(List.of(0.9743)).format(0.9743));
      assertEquals("1.5", ChartNumbers.tickFormat(0.5).format(1.5));
    } finally {
      Locale.setDefault(original);
    }
  }
}
