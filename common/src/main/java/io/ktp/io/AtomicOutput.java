package io.ktp.io;

import io.ktp.cli.UserException;
import java.io.IOException;
import java.util.UUID;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;

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
    if (!overwrite && fs.exists(target)) {
      throw new UserException("Output " + target + " already exists: pass --overwrite to replace it"
          + " or choose another workspace");
    }
    return replacing(fs, target);
  }

  /** Starts an output at {@code target} that replaces an existing output when committed. */
  public static AtomicOutput replacing(FileSystem fs, Path target) throws IOException {
    fs.mkdirs(target.getParent());
    return new AtomicOutput(fs, target);
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
      org.slf4j.LoggerFactory.getLogger(AtomicOutput.class)
          .warn("Could not delete temporary output {}: {}", temporary, e.toString());
    }
  }

  private void rename(Path from, Path to) throws IOException {
    if (!fs.rename(from, to)) {
      throw new IOException("Rename of " + from + " to " + to + " failed");
    }
  }
}
