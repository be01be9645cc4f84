package io.ktp.jobs;

import io.ktp.cli.Checks;
import io.ktp.cli.UserException;
import io.ktp.model.ModelRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The sub-commands of {@code ktp models} that move aliases or delete versions. */
final class ModelsWriteCommands {
  private ModelsWriteCommands() {
  }

  @Command(name = "promote", sortOptions = false,
      description = "Point an alias such as production or staging at a version, atomically."
          + " The move is recorded with its time, user and reason, so it can be rolled back.")
  static final class PromoteCommand extends ModelsCommand.RegistryCommand {
    @Mixin
    ModelsCommand.ModelOption model = new ModelsCommand.ModelOption();

    @Option(names = "--version", required = true, paramLabel = "VERSION",
        description = "Version to promote: a number such as 3 or v3, latest, or another alias"
            + " (staging promotes what staging points at).")
    String version;

    @Mixin
    ModelsCommand.AliasOption alias = new ModelsCommand.AliasOption();

    @Mixin
    ModelsCommand.ReasonOption reason = new ModelsCommand.ReasonOption();

    @Override
    public Integer call() throws UserException, IOException {
      ModelRegistry.checkAliasName(alias.name);
      String reasonText = reason.checked();
      ModelRegistry registry = registry();
      int number = registry.resolve(model.name, version);

      int previous = registry.promote(model.name, alias.name, number, reasonText);
      PrintWriter out = out();
      out.println("Alias " + alias.name + " of model " + model.name + ": "
          + (previous == 0 ? "unset" : "v" + previous) + " -> v" + number);
      out.flush();
      return 0;
    }
  }

  @Command(name = "rollback", sortOptions = false,
      description = "Point an alias back at the version it pointed at before its last promote"
          + " that is still in effect. Repeated rollbacks walk further back.")
  static final class RollbackCommand extends ModelsCommand.RegistryCommand {
    @Mixin
    ModelsCommand.ModelOption model = new ModelsCommand.ModelOption();

    @Mixin
    ModelsCommand.AliasOption alias = new ModelsCommand.AliasOption();

    @Mixin
    ModelsCommand.ReasonOption reason = new ModelsCommand.ReasonOption();

    @Override
    public Integer call() throws UserException, IOException {
      ModelRegistry.checkAliasName(alias.name);
      String reasonText = reason.checked();
      ModelRegistry registry = registry();
      int before = registry.alias(model.name, alias.name).orElse(0);

      int after = registry.rollback(model.name, alias.name, reasonText);
      PrintWriter out = out();
      out.println("Alias " + alias.name + " of model " + model.name + " rolled back: v" + before
          + " -> v"
          + after);
      out.flush();
      return 0;
    }
  }

  @Command(name = "prune", sortOptions = false,
      description = "Delete old versions of a model: keep the latest K, every version an alias"
          + " points at, and the version each alias's rollback would restore. Only lists what it"
          + " would delete unless --delete is given.")
  static final class PruneCommand extends ModelsCommand.RegistryCommand {
    @Mixin
    ModelsCommand.ModelOption model = new ModelsCommand.ModelOption();

    @Option(names = "--keep", paramLabel = "K",
        description = "Number of latest versions to keep, >= 1. Default: ${DEFAULT-VALUE}.")
    int keep = 5;

    @Option(names = "--delete",
        description = "Delete the versions; without it the command is a dry run.")
    boolean delete;

    @Override
    public Integer call() throws UserException, IOException {
      Checks.atLeast("--keep", keep, 1);
      ModelRegistry registry = registry();
      ModelRegistry.Retention result = delete ? registry.prune(model.name, keep)
          : registry.retention(model.name, keep);

      TextTable table = new TextTable("VERSION", "ACTION", "KEPT FOR");
      for (int version : new TreeSet<>(union(result.kept(), result.deleted()))) {
        if (result.deleted().contains(version)) {
          table.add("v" + version, delete ? "deleted" : "delete", "");
          continue;
        }
        String aliases = String.join(", ", result.aliased().getOrDefault(version, List.of()));
        table.add("v" + version, "keep",
            result.latest().contains(version) ? join("latest " + keep, aliases) : aliases);
      }
      PrintWriter out = out();
      table.print(out);
      out.println(delete
          ? "Deleted " + result.deleted().size() + " versions of model " + model.name
          : "Dry run: would delete " + result.deleted().size() + " versions of model " + model.name
              + (result.deleted().isEmpty() ? "" : "; run again with --delete to delete them"));
      out.flush();
      return 0;
    }

    private static List<Integer> union(List<Integer> first, List<Integer> second) {
      List<Integer> all = new ArrayList<>(first);
      all.addAll(second);
      return all;
    }

    private static String join(String first, String second) {
      return second.isEmpty() ? first : first + ", " + second;
    }
  }
}
