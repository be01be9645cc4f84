package io.ktp.jobs;

import io.ktp.cli.UserException;
import io.ktp.cli.WorkspaceOptions;
import io.ktp.io.Workspace;
import io.ktp.model.ModelStore;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;

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

  Workspace workspace() {
    return workspace;
  }

  /** Fails unless the domain's sample table exists. */
  Preflight requireTable(String domain) throws UserException, IOException {
    if (!workspace.exists(workspace.samples(domain))) {
      throw new UserException("Sample table for domain '" + domain + "' not found at "
          + workspace.samples(domain) + ": run 'ktp ingest' with this workspace first");
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
