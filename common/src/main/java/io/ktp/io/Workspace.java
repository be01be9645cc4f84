package io.ktp.io;

import io.ktp.cli.Checks;
import io.ktp.cli.UserException;
import java.io.IOException;
import java.net.URI;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The folder all KTP jobs read and write, on any Hadoop file system.
 *
 * <p>Layout (see docs/workspace.md):
 * <pre>
 * samples/&lt;domain&gt;/                 canonical sample tables (Parquet)
 * models/&lt;name&gt;/v&lt;N&gt;/              model versions: model.zip and manifest.json
 * reports/&lt;kind&gt;/run_id=&lt;id&gt;/     reports, one folder per run
 * charts/&lt;run id&gt;/                   PNG charts of one run's reports
 * checkpoints/&lt;run id&gt;/              per-epoch training checkpoints of one run
 * </pre>
 */
public final class Workspace {
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");

  private final Path root;
  private final FileSystem fs;

  private Workspace(Path root, FileSystem fs) {
    this.root = root;
    this.fs = fs;
  }

  /**
   * Opens the workspace at {@code location}; a plain path is resolved against the current folder.
   * Fails when the location is an existing file, before any job does work it could not write.
   */
  public static Workspace open(String location, Configuration hadoopConf) throws UserException {
    Path root = qualify(location, "--workspace");
    try {
      FileSystem fs = root.getFileSystem(hadoopConf);
      if (fs.exists(root) && fs.getFileStatus(root).isFile()) {
        throw new UserException(Checks.invalid("--workspace", location,
            "must be a folder, new or existing, not a file"));
      }
      return new Workspace(fs.makeQualified(root), fs);
    } catch (IOException e) {
      throw new UserException("Cannot open workspace " + location + ": " + e.getMessage()
          + ". Check the URI and that its file system is reachable.", e);
    }
  }

  /**
   * Turns a user-supplied location into an absolute Hadoop path. Relative local paths are
   * resolved against the current folder, so the same text means the same folder in every job.
   */
  public static Path qualify(String location, String optionName) throws UserException {
    if (location == null || location.isBlank()) {
      throw new UserException("Missing value for " + optionName + ": give a folder path or URI");
    }
    URI uri;
    try {
      uri = new Path(location).toUri();
    } catch (IllegalArgumentException e) {
      throw new UserException("Invalid value " + location + " for " + optionName + ": "
          + e.getMessage(), e);
    }
    if (uri.getScheme() == null) {
      java.nio.file.Path local = java.nio.file.Path.of(location).toAbsolutePath().normalize();
      return new Path(local.toUri());
    }
    return new Path(uri.normalize());
  }

  /** Checks that a domain or model name is safe as one path segment. */
  public static String checkName(String kind, String name) throws UserException {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new UserException("Invalid " + kind + " name '" + name + "': use 1 to 64 lower-case"
          + " letters, digits, '-' or '_', starting with a letter or digit");
    }
    return name;
  }

  public Path root() {
    return root;
  }

  public FileSystem fs() {
    return fs;
  }

  /** Returns the sample table of one domain. */
  public Path samples(String domain) {
    return new Path(root, "samples/" + domain);
  }

  /** Returns the folder that holds every version of one model. */
  public Path models(String name) {
    return new Path(root, "models/" + name);
  }

  /** Returns the folder of one report kind; reading it with Spark gives every run. */
  public Path reports(String kind) {
    return new Path(root, "reports/" + kind);
  }

  /** Returns the folder of one run's report of one kind. */
  public Path report(String kind, String runId) {
    return new Path(reports(kind), "run_id=" + runId);
  }

  /** Returns the folder of one run's charts. */
  public Path charts(String runId) {
    return new Path(root, "charts/" + runId);
  }

  /** Returns the folder of one run's training checkpoints. */
  public Path checkpoints(String runId) {
    return new Path(root, "checkpoints/" + runId);
  }

  /** Returns true when {@code path} exists. */
  public boolean exists(Path path) throws IOException {
    return fs.exists(path);
  }
}
