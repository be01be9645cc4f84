package io.ktp.cli;

import picocli.CommandLine.Option;

/** The workspace option shared by every job. */
public final class WorkspaceOptions {
  @Option(names = {"-w", "--workspace"}, paramLabel = "URI",
      description = "Workspace folder: a local path or any Hadoop file system URI"
          + " (file:/..., hdfs://host:port/...). Default: ${DEFAULT-VALUE}")
  String workspace = "workspace";

  public String workspace() {
    return workspace;
  }
}
