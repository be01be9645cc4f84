package io.ktp.io;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * Creates small files only when absent, atomically, on the local file system and on HDFS: of
 * several writers that race for one path, exactly one succeeds, and no reader ever sees the file
 * without its whole content.
 *
 * <p>Hadoop's own calls do not give this on the local file system (Hadoop 3.3.4):
 * {@code create(path, false)} checks for the file and then opens it, so two racing writers can
 * both succeed, and {@code rename} replaces an existing file, or moves a folder inside an
 * existing folder and returns true. So the content goes to a hidden temporary sibling first, and
 * is then published under its name by a hard link on the local file system (link(2) fails when
 * the name exists) and by {@code rename} on other file systems. HDFS renames a file atomically
 * and returns false when the target exists.
 */
public final class ExclusiveFiles {
  private ExclusiveFiles() {
  }

  /**
   * Creates {@code target} with {@code content} unless it exists, and returns true. Returns false
   * and changes nothing when it exists. The parent folder is created when missing.
   */
  public static boolean createIfAbsent(FileSystem fs, Path target, byte[] content)
      throws IOException {
    Path temporary = new Path(target.getParent(), "_tmp-" + target.getName() + "-"
        + UUID.randomUUID());
    File localTarget = localFile(fs, target);
    if (localTarget != null) {
      return linkIfAbsent(localTarget.toPath(), localFile(fs, temporary).toPath(), content);
    }
    fs.mkdirs(target.getParent());
    try {
      try (OutputStream out = fs.create(temporary, false)) {
        out.write(content);
      }
      // NOTE: atomic and never replacing on HDFS. Object stores such as S3A copy on rename and
      // give no such guarantee.
      return fs.rename(temporary, target);
    } finally {
      fs.delete(temporary, false);
    }
  }

  /** Returns the java.io file of {@code path} on a local file system, or null on any other. */
  public static File localFile(FileSystem fs, Path path) {
    if (fs instanceof LocalFileSystem local) {
      return local.pathToFile(path);
    }
    if (fs instanceof RawLocalFileSystem raw) {
      return raw.pathToFile(path);
    }
    return null;
  }

  private static boolean linkIfAbsent(java.nio.file.Path target, java.nio.file.Path temporary,
      byte[] content) throws IOException {
    Files.createDirectories(target.getParent());
    try {
      try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(content);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      // NOTE: needs hard links, which every Linux and macOS local file system has.
      Files.createLink(target, temporary);
      return true;
    } catch (FileAlreadyExistsException e) {
      return false;
    } finally {
      Files.deleteIfExists(temporary);
    }
  }
}
