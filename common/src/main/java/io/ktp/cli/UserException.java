package io.ktp.cli;

/**
 * An error caused by the user's input: a bad option, a missing or malformed file, a path conflict.
 *
 * <p>Jobs print only the message (one line naming the value, the rule and the fix) and exit with
 * {@link ExitCodes#USER_ERROR}. Bugs are never wrapped in this type, so they keep their stack trace.
 */
public final class UserException extends Exception {
  private static final long serialVersionUID = 1L;

  public UserException(String message) {
    super(message);
  }

  public UserException(String message, Throwable cause) {
    super(message, cause);
  }
}
