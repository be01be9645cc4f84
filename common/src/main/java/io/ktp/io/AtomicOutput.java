package io.ktp.io;

import io.ktp.cli.UserException;
import java.io.IOException;
import java.util.UUID;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.slf4j.LoggerFactory;

/**
 * Writes an output under a temporary sibling and renames it into place, so readers see the old
 * output or the new one, never a partial one.
 *
 * <p>The sibling's name starts with '_', which Spark and Hadoop input formats skip when they list a
 * parent folder, so an abandoned temporary folder never shows up as data.
 */
public final class AtomicOutput {
  private final FileSystem fs;
  private final Path target;
  private final Path temporary;

  private AtomicOutput(FileSystem fs, Path target) {
    this.fs = fs;
    this.target = target;
    this.temporary = new Path(target.getParent(), "_tmp-" + target.getName() + "-" + UUID.randomUUID());
  }

  /**
   * Starts an output at {@code target}. Fails before anything is written when the target exists
   * and {@code overwrite} is false.
   */
  public static AtomicOutput begin(FileSystem fs, Path target, boolean overwrite)
      throws UserException, IOException {
    restorePrevious(fs, target);
    if (!overwrite && fs.exists(target)) {
      throw new UserException("Output " + target + " already exists: pass --overwrite to replace it"
          + " or choose another workspace");
    }
    return replacing(fs, target);
  }

  /** Starts an output at {@code target} that replaces an existing output when committed. */
  public static AtomicOutput replacing(FileSystem fs, Path target) throws IOException {
    restorePrevious(fs, target);
    fs.mkdirs(target.getParent());
    return new AtomicOutput(fs, target);
  }

  /**
   * Moves a previous output back into place when a job was killed inside {@link #commit()},
   * between moving the previous output aside and moving the new one in. Readers saw no output
   * at {@code target} in that state; after this they see the previous one again.
   */
  static void restorePrevious(FileSystem fs, Path target) throws IOException {
    Path parent = target.getParent();
    if (parent == null || fs.exists(target) || !fs.exists(parent)) {
      return;
    }
    String prefix = "_old-" + target.getName() + "-";
    for (FileStatus status : fs.listStatus(parent)) {
      String name = status.getPath().getName();
      if (name.startsWith(prefix) && isUuid(name.substring(prefix.length()))) {
        LoggerFactory.getLogger(AtomicOutput.class).warn("Restoring {} from {}, which a killed"
            + " job moved aside while replacing it", target, status.getPath());
        if (!fs.rename(status.getPath(), target)) {
          throw new IOException("Rename of " + status.getPath() + " to " + target + " failed");
        }
        return;
      }
    }
  }

  private static boolean isUuid(String text) {
    try {
      return UUID.fromString(text).toString().equals(text);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * Writes {@code table} as Parquet at {@code target} through a temporary sibling. Fails before
   * writing when the target exists and {@code overwrite} is false.
   */
  public static void writeParquet(Dataset<?> table, FileSystem fs, Path target, boolean overwrite)
      throws UserException, IOException {
    AtomicOutput output = begin(fs, target, overwrite);
    try {
      table.write().parquet(output.path().toString());
      output.commit();
    } finally {
      output.abort();
    }
  }

  /** Returns the temporary path to write to. */
  public Path path() {
    return temporary;
  }

  /** Moves the finished output into place, replacing an existing one. */
  public void commit() throws IOException {
    Path previous = null;
    if (fs.exists(target)) {
      previous = new Path(target.getParent(), "_old-" + target.getName() + "-" + UUID.randomUUID());
      rename(target, previous);
    }
    rename(temporary, target);
    if (previous != null) {
      fs.delete(previous, true);
    }
  }

  /** Deletes the temporary output; safe to call after {@link #commit()}. */
  public void abort() {
    try {
      fs.delete(temporary, true);
    } catch (IOException e) {
      // The temporary folder is hidden from readers, so a failed clean-up loses nothing.
      LoggerFactory.getLogger(AtomicOutput.class)
          .warn("Could not delete temporary output {}: {}", temporary, e.toString());
    }
  }

  private void rename(Path from, Path to) throws IOException {
    if (!fs.rename(from, to)) {
      throw new IOException("Rename of " + from + " to " + to + " failed");
    }
  }
}
