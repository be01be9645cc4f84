package io.ktp.jobs;

import io.ktp.cli.UserException;
import io.ktp.io.Workspace;
import java.io.IOException;
import java.net.URI;
import java.util.Objects;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** Checks on input files given by users, run before a job starts work. */
final class Inputs {
  private Inputs() {
  }

  /** Resolves an input file option and checks that it is a readable file. */
  static Path existingFile(String location, String option, Configuration conf)
      throws UserException {
    Path path = Workspace.qualify(location, option);
    try {
      FileSystem fs = path.getFileSystem(conf);
      if (!fs.exists(path)) {
        throw new UserException("Input file " + path + " for " + option + " not found: check the"
            + " path (a relative path starts at the current folder; the bundled data is in the"
            + " KTP folder's data/)");
      }
      if (!fs.getFileStatus(path).isFile()) {
        throw new UserException("Input " + path + " for " + option + " is a folder: give the"
            + " file itself");
      }
      return fs.makeQualified(path);
    } catch (IOException e) {
      throw new UserException("Cannot read input " + path + " for " + option + ": "
          + e.getMessage(), e);
    }
  }

  /**
   * Rejects an output location that is an input or lies above or below one, so that no job can
   * overwrite its own input.
   */
  static void checkDisjoint(Path input, String inputOption, Path output, String outputOption)
      throws UserException {
    // Compares scheme, authority and path apart, because the same local file can be written
    // file:/a or file:///a, and a folder's URI can end in '/'.
    URI in = input.toUri().normalize();
    URI out = output.toUri().normalize();
    String inPath = in.getPath().replaceAll("/+$", "");
    String outPath = out.getPath().replaceAll("/+$", "");
    boolean sameFileSystem = Objects.equals(in.getScheme(), out.getScheme())
        && Objects.equals(in.getAuthority(), out.getAuthority());
    if (sameFileSystem && (inPath.equals(outPath) || inPath.startsWith(outPath + "/")
        || outPath.startsWith(inPath + "/"))) {
      throw new UserException("Output " + output + " (" + outputOption + ") overlaps input "
          + input + " (" + inputOption + "): choose an output location outside the input");
    }
  }

  /** Returns the hex SHA-256 digest of a file, for provenance. */
  static String sha256(Path file, Configuration conf) throws IOException {
    java.security.MessageDigest digest;
    try {
      digest = java.security.MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("The JVM has no SHA-256", e);
    }
    byte[] buffer = new byte[1 << 16];
    try (java.io.InputStream in = file.getFileSystem(conf).open(file)) {
      for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
        digest.update(buffer, 0, read);
      }
    }
    return "sha256:" + java.util.HexFormat.of().formatHex(digest.digest());
  }
}
