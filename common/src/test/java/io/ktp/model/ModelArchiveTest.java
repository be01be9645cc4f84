package io.ktp.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ktp.cli.UserException;
import io.ktp.train.Networks;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checks the size limits of {@link ModelArchive} with a small limit instead of 1 GiB. */
class ModelArchiveTest {
  private static final long LIMIT = 20_000;

  @TempDir
  java.nio.file.Path temp;

  private FileSystem fs;

  @BeforeEach
  void openFileSystem() throws Exception {
    fs = FileSystem.getLocal(new Configuration()).getRawFileSystem();
  }

  @Test
  void smallValidArchiveLoads() throws Exception {
    MultiLayerNetwork network = Networks.perceptron(4, new int[] {6}, 3, 1e-2, 1);
    Path file = write("small.zip", modelBytes(network));

    MultiLayerNetwork loaded = new ModelArchive(file, "fix it", LIMIT).load(fs, 4, 3);

    assertEquals(network.params(), loaded.params());
  }

  @Test
  void archiveFileAboveLimitIsRejected() throws Exception {
    byte[] bytes = modelBytes(Networks.perceptron(64, new int[] {128}, 10, 1e-2, 1));
    Path file = write("large.zip", bytes);

    UserException error = assertThrows(UserException.class,
        () -> new ModelArchive(file, "fix it", LIMIT).load(fs, 0, 0));

    assertEquals("Model file " + file + " has " + bytes.length + " bytes, more than the limit"
        + " of " + LIMIT + ": fix it", error.getMessage());
  }

  @Test
  void entryInflatingAboveLimitIsRejected() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      zip.putNextEntry(new ZipEntry(ModelSerializer.COEFFICIENTS_BIN));
      // A megabyte of zeros compresses to about a kilobyte: a small zip bomb.
      zip.write(new byte[1 << 20]);
      zip.closeEntry();
    }
    Path file = write("bomb.zip", bytes.toByteArray());

    UserException error = assertThrows(UserException.class,
        () -> new ModelArchive(file, "fix it", LIMIT).load(fs, 0, 0));

    assertEquals("Model file " + file + " entry coefficients.bin inflates to more than " + LIMIT
        + " bytes, the limit for what is left of the archive: fix it", error.getMessage());
  }

  private Path write(String name, byte[] bytes) throws Exception {
    java.nio.file.Path file = temp.resolve(name);
    Files.write(file, bytes);
    return new Path(file.toUri());
  }

  private static byte[] modelBytes(MultiLayerNetwork network) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (OutputStream out = bytes) {
      ModelSerializer.writeModel(network, out, true);
    }
    return bytes.toByteArray();
  }
}
