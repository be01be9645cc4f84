package io.ktp.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RetentionTest {

  @ParameterizedTest
  @CsvSource({
      // before, after, ratio, backward transfer
      "0.9,  0.9,  1.0,                0.0",
      "0.95, 0.90, 0.9473684210526316, -0.05",
      "0.5,  0.6,  1.2,                0.1",
      "1.0,  0.0,  0.0,                -1.0",
      "0.25, 1.0,  4.0,                0.75",
      "1.0,  1.0,  1.0,                0.0"})
  void ratioAndBackwardTransfer(double before, double after, double ratio, double transfer) {
    Retention retention = new Retention(before, after);

    assertEquals(ratio, retention.ratio(), 1e-15);
    assertEquals(transfer, retention.backwardTransfer(), 1e-15);
  }

  @Test
  void ratioWithZeroBeforeIsRejected() {
    Retention retention = new Retention(0.0, 0.3);

    IllegalStateException error = assertThrows(IllegalStateException.class, retention::ratio);

    assertEquals("Retention ratio is undefined because accuracyBefore is 0 and the ratio would"
        + " divide by it; use backwardTransfer() instead", error.getMessage());
    assertEquals(0.3, retention.backwardTransfer(), 0.0);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "1.2  | 0.5 | Invalid value 1.2 for accuracyBefore",
      "-0.1 | 0.5 | Invalid value -0.1 for accuracyBefore",
      "95.0 | 0.5 | Invalid value 95.0 for accuracyBefore",
      "NaN  | 0.5 | Invalid value NaN for accuracyBefore",
      "0.5  | 1.0000001 | Invalid value 1.0000001 for accuracyAfter",
      "0.5  | -Infinity | Invalid value -Infinity for accuracyAfter",
      "0.5  | NaN | Invalid value NaN for accuracyAfter"})
  void invalidAccuracyIsRejected(double before, double after, String prefix) {
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> new Retention(before, after));

    assertEquals(prefix + ": must be in [0, 1]; pass accuracy as a fraction, not a percentage",
        error.getMessage());
  }
}
