package io.ktp.cli;

/** Process exit codes shared by every KTP job. */
public final class ExitCodes {
  /** The job finished and wrote all of its outputs. */
  public static final int OK = 0;
  /** An unexpected failure; the log has the stack trace. */
  public static final int INTERNAL_ERROR = 1;
  /** Bad options or bad input; nothing was written. */
  public static final int USER_ERROR = 2;

  private ExitCodes() {
  }
}
