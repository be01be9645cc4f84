package io.ktp.jobs;

import io.ktp.cli.UserException;
import io.ktp.io.Workspace;
import io.ktp.model.CheckpointStore;
import java.io.IOException;
import java.lang.reflect.Array;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The {@code --resume} option of the training jobs. */
final class ResumeOption {
  /** Options that do not change what a run computes, so a resumed run may give them anew. */
  private static final Set<String> NOT_COMPARED = Set.of("--resume", "--overwrite", "--run-id",
      "--master", "--workspace", "--help", "--version");

  @Spec(Spec.Target.MIXEE)
  CommandSpec job;

  @Option(names = "--resume",
      description = "Continue the interrupted run given with --run-id: each training restarts"
          + " after its last checkpointed epoch with the saved parameters, updater state and"
          + " curve, and models the run already saved are reused. Needs the options of the"
          + " interrupted run.")
  boolean resume;

  /** Fails when --resume is given without the run id to resume. */
  void validate(String runId) throws UserException {
    if (resume && runId == null) {
      throw new UserException("Option --resume needs --run-id: give the id of the interrupted"
          + " run (its reports, charts and checkpoints are named after it)");
    }
  }

  /** Opens the checkpoints of run {@code runId}, checking --resume against them. */
  CheckpointStore open(Workspace workspace, String runId, boolean overwrite)
      throws UserException, IOException {
    return CheckpointStore.open(workspace, runId, job.name(), options(), resume, overwrite);
  }

  /** Returns the value of every option of the job that changes its results, by option name. */
  Map<String, String> options() {
    Map<String, String> options = new TreeMap<>();
    for (OptionSpec option : job.options()) {
      if (!NOT_COMPARED.contains(option.longestName())) {
        options.put(option.longestName(), text(option.getValue()));
      }
    }
    return options;
  }

  private static String text(Object value) {
    if (value == null || !value.getClass().isArray()) {
      return String.valueOf(value);
    }
    StringBuilder text = new StringBuilder("[");
    for (int i = 0; i < Array.getLength(value); i++) {
      text.append(i > 0 ? ", " : "").append(Array.get(value, i));
    }
    return text.append("]").toString();
  }
}
