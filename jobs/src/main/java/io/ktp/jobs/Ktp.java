package io.ktp.jobs;

import io.ktp.cli.ExitCodes;
import io.ktp.cli.UserException;
import java.io.PrintWriter;
import java.util.List;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ktp} command: one sub-command per job. */
@Command(name = "ktp", mixinStandardHelpOptions = true,
    versionProvider = Ktp.Version.class,
    description = "KTP, the Knowledge Transfer Platform: transfer learning as Spark jobs.",
    subcommands = {IngestJob.class, DenoiseJob.class, PretrainJob.class, FinetuneJob.class,
        EvaluateJob.class, PipelineJob.class, DistillJob.class, CompressJob.class,
        AugmentJob.class, BatchJob.class, DriftJob.class, RecalibrateJob.class,
        ModelsCommand.class})
public final class Ktp implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs one sub-command and returns its exit code; never exits the JVM. */
  public static int run(String... args) {
    return commandLine().execute(args);
  }

  /** Runs one sub-command like {@link #run(String...)}, printing to {@code out} and {@code err}. */
  static int run(PrintWriter out, PrintWriter err, String... args) {
    CommandLine commandLine = commandLine();
    commandLine.setOut(out);
    commandLine.setErr(err);
    return commandLine.execute(args);
  }

  private static CommandLine commandLine() {
    CommandLine commandLine = new CommandLine(new Ktp());
    commandLine.setParameterExceptionHandler(Ktp::handleBadArguments);
    commandLine.setExecutionExceptionHandler(Ktp::handleFailure);
    return commandLine;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(),
        "Missing sub-command: choose one of " + spec.subcommands().keySet());
  }

  /**
   * Prints one line for an unknown option or an unparsable value, in the form of every other
   * user error, in place of picocli's message followed by the whole usage text.
   */
  private static int handleBadArguments(CommandLine.ParameterException failure, String[] args) {
    CommandLine commandLine = failure.getCommandLine();
    String command = commandLine.getCommandSpec().qualifiedName();
    List<String> suggestions = failure instanceof CommandLine.UnmatchedArgumentException unmatched
        ? unmatched.getSuggestions() : List.of();
    String hint = suggestions.isEmpty() ? "" : " (did you mean " + String.join(" or ", suggestions)
        + "?)";
    PrintWriter err = commandLine.getErr();
    err.println(oneLine(command + ": error: " + failure.getMessage() + hint + ": run '" + command
        + " --help' for the options"));
    err.flush();
    return ExitCodes.USER_ERROR;
  }

  private static int handleFailure(Exception failure, CommandLine commandLine,
      CommandLine.ParseResult parseResult) {
    PrintWriter err = commandLine.getErr();
    String command = commandLine.getCommandSpec().qualifiedName();
    UserException userError = findUserError(failure);
    if (userError != null) {
      err.println(oneLine(command + ": error: " + userError.getMessage()));
      err.flush();
      return ExitCodes.USER_ERROR;
    }
    LoggerFactory.getLogger(Ktp.class).error("{} failed", command, failure);
    err.println(command + ": internal error: " + failure
        + " (the log above has the stack trace; please report it)");
    err.flush();
    return ExitCodes.INTERNAL_ERROR;
  }

  /**
   * Returns {@code message} with every control character written as a Java escape, such as
   * {@code \n}, so that an option value or file content with a line break still gives one line.
   */
  static String oneLine(String message) {
    StringBuilder line = new StringBuilder(message.length());
    for (char c : message.toCharArray()) {
      if (c == '\n') {
        line.append("\\n");
      } else if (c == '\r') {
        line.append("\\r");
      } else if (c == '\t') {
        line.append("\\t");
      } else if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
        line.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
      } else {
        line.append(c);
      }
    }
    return line.toString();
  }

  /** Finds a user error, also when Spark or DL4J wrapped it on the way up. */
  private static UserException findUserError(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof UserException userException) {
        return userException;
      }
    }
    return null;
  }

  /** Reads KTP's version for {@code --version}. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"ktp " + io.ktp.report.Provenance.codeVersion()};
    }
  }
}
