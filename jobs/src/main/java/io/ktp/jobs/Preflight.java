package io.ktp.jobs;

import io.ktp.cli.UserException;
import io.ktp.cli.WorkspaceOptions;
import io.ktp.io.Workspace;
import io.ktp.model.ModelStore;
import java.io.IOException;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;

/**
 * Checks of a local workspace that run before Spark starts, so that a missing table or model is
 * reported before any log line. Jobs check the same things again with the session's Hadoop
 * configuration, which is the only check for workspaces on other file systems.
 */
final class Preflight {
  private final Workspace workspace;

  private Preflight(Workspace workspace) {
    this.workspace = workspace;
  }

  /** Opens the workspace when it is local; returns null for other file systems. */
  static Preflight of(WorkspaceOptions options) throws UserException {
    String scheme = Workspace.qualify(options.workspace(), "--workspace").toUri().getScheme();
    if (!"file".equals(scheme)) {
      return null;
    }
    return new Preflight(Workspace.open(options.workspace(), new Configuration()));
  }

  /** Returns the checks of a workspace opened with the session's Hadoop configuration. */
  static Preflight on(Workspace workspace) {
    return new Preflight(workspace);
  }

  Workspace workspace() {
    return workspace;
  }

  /**
   * Fails when run {@code runId} already has a report of one of {@code kinds} or a chart of
   * {@code job}, unless {@code overwrite} is set. A null run id stands for a new run and passes.
   * A report that a killed job moved aside while replacing it counts as existing.
   */
  Preflight requireNoReports(String runId, String job, boolean overwrite, List<String> kinds)
      throws UserException, IOException {
    if (runId == null || overwrite) {
      return this;
    }
    for (String kind : kinds) {
      Path report = workspace.report(kind, runId);
      Path movedAside = new Path(workspace.reports(kind), "_old-" + report.getName() + "-*");
      if (workspace.exists(report) || matches(movedAside)) {
        throw new UserException("Report " + report + " of run '" + runId + "' already exists:"
            + " pass --overwrite to replace this run's reports and charts, or choose another"
            + " --run-id");
      }
    }
    Path charts = new Path(workspace.charts(runId), job + "-*.png");
    if (matches(charts)) {
      throw new UserException("Charts " + charts + " of run '" + runId + "' already exist: pass"
          + " --overwrite to replace this run's reports and charts, or choose another --run-id");
    }
    return this;
  }

  private boolean matches(Path pattern) throws IOException {
    FileStatus[] found = workspace.fs().globStatus(pattern);
    return found != null && found.length > 0;
  }

  /** Fails unless the domain's sample table exists. */
  Preflight requireTable(String domain) throws UserException, IOException {
    return requireTable(domain, "ktp ingest");
  }

  /** Fails unless the domain's sample table exists; the message names {@code producer}. */
  Preflight requireTable(String domain, String producer) throws UserException, IOException {
    if (!workspace.exists(workspace.samples(domain))) {
      throw new UserException("Sample table for domain '" + domain + "' not found at "
          + workspace.samples(domain) + ": run '" + producer + "' with this workspace first");
    }
    return this;
  }

  /** Fails unless the model has at least one version. */
  Preflight requireModel(String name) throws UserException, IOException {
    Workspace.checkName("model", name);
    if (new ModelStore(workspace).latestVersion(name) == 0) {
      throw new UserException("Model '" + name + "' not found under " + workspace.models(name)
          + ": train it first (for example with 'ktp pretrain') or pick an existing version");
    }
    return this;
  }

  /** Fails when the domain's sample table exists and may not be replaced. */
  Preflight requireNoTable(String domain, boolean overwrite) throws UserException, IOException {
    if (!overwrite && workspace.exists(workspace.samples(domain))) {
      throw new UserException("Sample table " + workspace.samples(domain) + " already exists:"
          + " pass --overwrite to replace it or choose another workspace");
    }
    return this;
  }
}
