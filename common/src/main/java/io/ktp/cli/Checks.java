package io.ktp.cli;

/** Validation helpers whose messages follow one form: "Invalid value V for NAME: RULE". */
public final class Checks {
  private Checks() {
  }

  /** Throws unless {@code value >= min}. */
  public static void atLeast(String name, long value, long min) throws UserException {
    if (value < min) {
      throw new UserException(invalid(name, value, "must be >= " + min));
    }
  }

  /** Throws unless {@code low < value < high}. */
  public static void openRange(String name, double value, double low, double high)
      throws UserException {
    if (!(value > low && value < high)) {
      throw new UserException(invalid(name, value, "must be > " + low + " and < " + high));
    }
  }

  /** Throws unless {@code low < value <= high}. */
  public static void halfOpenRange(String name, double value, double low, double high)
      throws UserException {
    if (!(value > low && value <= high)) {
      throw new UserException(invalid(name, value, "must be > " + low + " and <= " + high));
    }
  }

  /** Formats the standard message for an invalid option value. */
  public static String invalid(String name, Object value, String rule) {
    return "Invalid value " + value + " for " + name + ": " + rule;
  }
}
