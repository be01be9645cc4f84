package io.ktp.cli;

/** Process exit codes shared by every KTP job. */
public final class ExitCodes {
  /** The job finished and wrote all of its outputs. */
  public static final int OK = 0;
  /** An unexpected failure; the log has the stack trace. */
  public static final int INTERNAL_ERROR = 1;
  /** Bad options or bad input; nothing was written. */
  public static final int USER_ERROR = 2;
  /** {@code drift} found drift and advises recalibration; its reports are written. */
  public static final int RECALIBRATION_ADVISED = 3;
  /**
   * {@code recalibrate} saved a candidate version that failed the promotion rules, so the alias
   * still points to the previous version; its report gives the reason.
   */
  public static final int NOT_PROMOTED = 4;

  private ExitCodes() {
  }
}
