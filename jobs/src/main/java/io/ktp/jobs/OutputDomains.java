package io.ktp.jobs;

import io.ktp.cli.Checks;
import io.ktp.cli.UserException;
import io.ktp.io.Workspace;
import java.util.List;

/** Checks of the table name that a job writes from another table of the workspace. */
final class OutputDomains {
  private OutputDomains() {
  }

  /**
   * Fails unless {@code output} is a valid name that differs from {@code input} and from the
   * tables that ingest writes, so that {@code job} never replaces a table it reads or ingests.
   */
  static void check(String job, String input, String output) throws UserException {
    Workspace.checkName("domain", input);
    Workspace.checkName("output domain", output);
    if (output.equals(input)) {
      throw new UserException(Checks.invalid("--output-domain", output,
          "must differ from --domain, because the input table is never replaced"));
    }
    if (List.of(IngestJob.SOURCE_DOMAIN, IngestJob.TARGET_DOMAIN).contains(output)) {
      throw new UserException(Checks.invalid("--output-domain", output,
          "names a table that ingest writes, which " + job + " must not replace; choose another"
              + " name"));
    }
  }
}
