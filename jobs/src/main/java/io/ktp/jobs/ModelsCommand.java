package io.ktp.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.ktp.cli.Checks;
import io.ktp.cli.UserException;
import io.ktp.cli.WorkspaceOptions;
import io.ktp.io.Workspace;
import io.ktp.model.ModelRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The {@code ktp models} command: lists, shows and compares model versions, moves aliases and
 * deletes old versions. It needs no Spark session, only the workspace's Hadoop file system.
 */
@Command(name = "models", mixinStandardHelpOptions = true,
    description = "Manage the model registry of a workspace: list and show versions with their"
        + " manifests, compare two versions, point aliases such as production at versions and"
        + " roll them back, and delete old versions. Runs without Spark.",
    subcommands = {ModelsReadCommands.ListCommand.class, ModelsReadCommands.ShowCommand.class,
        ModelsReadCommands.DiffCommand.class, ModelsReadCommands.HistoryCommand.class,
        ModelsWriteCommands.PromoteCommand.class, ModelsWriteCommands.RollbackCommand.class,
        ModelsWriteCommands.PruneCommand.class})
public final class ModelsCommand implements Runnable {
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(),
        "Missing sub-command: choose one of " + spec.subcommands().keySet());
  }

  /** A sub-command of {@code ktp models}: the workspace option and the registry it opens. */
  abstract static class RegistryCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    WorkspaceOptions workspaceOptions = new WorkspaceOptions();

    // Only the help option of picocli's standard pair: --version names a model version here.
    @Option(names = {"-h", "--help"}, usageHelp = true,
        description = "Show this help message and exit.")
    boolean help;

    /**
     * Opens the registry of the workspace, which must exist: a missing workspace is far more
     * often a wrong {@code --workspace} than a registry without models.
     */
    ModelRegistry registry() throws UserException, IOException {
      Workspace workspace = Workspace.open(workspaceOptions.workspace(), new Configuration());
      if (!workspace.exists(workspace.root())) {
        throw new UserException("Workspace " + workspace.root() + " not found: give the folder"
            + " that the jobs wrote with --workspace (default: workspace in the current folder)");
      }
      return new ModelRegistry(workspace);
    }

    PrintWriter out() {
      return spec.commandLine().getOut();
    }
  }

  /** The {@code --model} option of the sub-commands that work on one model. */
  static final class ModelOption {
    @Option(names = "--model", required = true, paramLabel = "NAME", description = "Model name.")
    String name;
  }

  /** The {@code --alias} option, {@code production} unless given. */
  static final class AliasOption {
    @Option(names = "--alias", paramLabel = "NAME",
        description = "Alias, a name like a model name such as production or staging."
            + " Default: ${DEFAULT-VALUE}.")
    String name = ModelRegistry.PRODUCTION;
  }

  /** The {@code --reason} option of the sub-commands that move an alias. */
  static final class ReasonOption {
    static final int MAX_LENGTH = 500;

    @Option(names = "--reason", paramLabel = "TEXT",
        description = "Why the alias moves, recorded in its history (one line, at most "
            + MAX_LENGTH + " characters). Default: none.")
    String text;

    /** Returns the reason after checking that it is one line of at most MAX_LENGTH characters. */
    String checked() throws UserException {
      if (text != null && (text.length() > MAX_LENGTH
          || text.chars().anyMatch(Character::isISOControl))) {
        throw new UserException(Checks.invalid("--reason", text, "must be one line of at most "
            + MAX_LENGTH + " characters"));
      }
      return text;
    }
  }
}
