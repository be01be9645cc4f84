package io.ktp.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ktp.cli.UserException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class OptdigitsCsvReaderTest {
  private static final java.nio.file.Path BUNDLED = java.nio.file.Path.of(
      "../data/optdigits/digits.csv.gz");
  private static final String FIX =
      ": correct the line or restore the unmodified digits.csv.gz";

  private static FileSystem fs;

  @TempDir
  java.nio.file.Path temp;

  @BeforeAll
  static void openFileSystem() throws IOException {
    fs = FileSystem.getLocal(new Configuration());
  }

  @Test
  void readsValidRowsInOrder() throws Exception {
    String first = line(counts(0), 3);
    String second = line(counts(16), 9);
    java.nio.file.Path file = gzip("two.csv.gz", first + "\n" + second + "\n");

    List<RawSample> samples = OptdigitsCsvReader.read(fs, path(file));

    assertEquals(2, samples.size());
    assertEquals("optdigits-00000", samples.get(0).id());
    assertEquals(3, samples.get(0).label());
    assertArrayEquals(doubles(counts(0)), samples.get(0).values());
    assertEquals("two.csv.gz#1", samples.get(0).origin());
    assertEquals("optdigits-00001", samples.get(1).id());
    assertEquals(9, samples.get(1).label());
    assertArrayEquals(doubles(counts(16)), samples.get(1).values());
    assertEquals("two.csv.gz#2", samples.get(1).origin());
  }

  @Test
  void skipsBlankLinesAndAcceptsCrlf() throws Exception {
    java.nio.file.Path file = gzip("crlf.csv.gz",
        line(counts(5), 1) + "\r\n\r\n" + line(counts(7), 2) + "\r\n");

    List<RawSample> samples = OptdigitsCsvReader.read(fs, path(file));

    assertEquals(2, samples.size());
    assertEquals(1, samples.get(0).label());
    assertEquals(2, samples.get(1).label());
    assertEquals("crlf.csv.gz#3", samples.get(1).origin(), "origin keeps the file's line number");
  }

  static Stream<Arguments> malformedLines() {
    List<String> valid = counts(4);
    return Stream.of(
        Arguments.of("63 block counts", line(valid.subList(0, 63), 5),
            "bad.csv.gz line 2 has 64 values, expected 65 (64 block counts and the label)" + FIX),
        Arguments.of("65 block counts", line(append(valid, "4"), 5),
            "bad.csv.gz line 2 has 66 values, expected 65 (64 block counts and the label)" + FIX),
        Arguments.of("letter in a count", line(replace(valid, 4, "x"), 5),
            "bad.csv.gz line 2: value 5 is 'x', expected an integer in 0..16" + FIX),
        Arguments.of("decimal count", line(replace(valid, 0, "3.5"), 5),
            "bad.csv.gz line 2: value 1 is '3.5', expected an integer in 0..16" + FIX),
        Arguments.of("empty count", line(replace(valid, 10, ""), 5),
            "bad.csv.gz line 2: value 11 is '', expected an integer in 0..16" + FIX),
        Arguments.of("count above 16", line(replace(valid, 63, "17"), 5),
            "bad.csv.gz line 2: value 64 is 17, expected an integer in 0..16" + FIX),
        Arguments.of("negative count", line(replace(valid, 0, "-1"), 5),
            "bad.csv.gz line 2: value 1 is -1, expected an integer in 0..16" + FIX),
        Arguments.of("label 10", line(valid, 10),
            "bad.csv.gz line 2: label is 10, expected an integer in 0..9" + FIX),
        Arguments.of("label -1", line(valid, -1),
            "bad.csv.gz line 2: label is -1, expected an integer in 0..9" + FIX),
        Arguments.of("letter as label", String.join(",", valid) + ",seven",
            "bad.csv.gz line 2: label is 'seven', expected an integer in 0..9" + FIX));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedLines")
  void malformedLineNamesFileAndLine(String description, String badLine, String expected)
      throws Exception {
    java.nio.file.Path file = gzip("bad.csv.gz",
        line(counts(1), 0) + "\n" + badLine + "\n" + line(counts(2), 1) + "\n");

    UserException error = assertThrows(UserException.class,
        () -> OptdigitsCsvReader.read(fs, path(file)));

    assertEquals(expected, error.getMessage());
  }

  @Test
  void truncatedGzipIsRejected() throws Exception {
    byte[] whole = Files.readAllBytes(BUNDLED);
    java.nio.file.Path file = temp.resolve("cut.csv.gz");
    Files.write(file, java.util.Arrays.copyOf(whole, whole.length / 2));

    UserException error = assertThrows(UserException.class,
        () -> OptdigitsCsvReader.read(fs, path(file)));

    assertEquals("Optdigits file " + path(file) + " is truncated or corrupt (Unexpected end of"
        + " ZLIB input stream): copy digits.csv.gz again from scikit-learn's data folder",
        error.getMessage());
  }

  @Test
  void nonGzipFileIsRejected() throws Exception {
    java.nio.file.Path file = temp.resolve("plain.csv.gz");
    Files.writeString(file, line(counts(1), 1) + "\n");

    UserException error = assertThrows(UserException.class,
        () -> OptdigitsCsvReader.read(fs, path(file)));

    assertEquals("Optdigits file " + path(file) + " is truncated or corrupt (Not in GZIP"
        + " format): copy digits.csv.gz again from scikit-learn's data folder",
        error.getMessage());
  }

  @Test
  void fileWithoutRowsIsRejected() throws Exception {
    java.nio.file.Path file = gzip("empty.csv.gz", "\n\n");

    UserException error = assertThrows(UserException.class,
        () -> OptdigitsCsvReader.read(fs, path(file)));

    assertEquals("Optdigits file " + path(file) + " has no rows: use the unmodified"
        + " digits.csv.gz", error.getMessage());
  }

  @Test
  void bundledFileHas1797RowsPerClassCounts() throws Exception {
    List<RawSample> samples = OptdigitsCsvReader.read(fs, path(BUNDLED));

    Map<Integer, Integer> perClass = new TreeMap<>();
    for (RawSample sample : samples) {
      perClass.merge(sample.label(), 1, Integer::sum);
      assertEquals(OptdigitsCsvReader.FEATURES, sample.values().length, sample.id());
    }
    // Counts from python3: collections.Counter of the last field of every line of the file.
    assertEquals(1797, samples.size());
    assertEquals(Map.of(0, 178, 1, 182, 2, 177, 3, 183, 4, 181, 5, 182, 6, 181, 7, 179, 8, 174,
        9, 180), perClass);
    assertEquals("optdigits-01796", samples.get(1796).id());
    // The first line of the file: a zero.
    assertEquals(0, samples.get(0).label());
    assertArrayEquals(new double[] {0, 0, 5, 13, 9, 1, 0, 0}, java.util.Arrays.copyOf(
        samples.get(0).values(), 8));
  }

  private java.nio.file.Path gzip(String name, String text) throws IOException {
    java.nio.file.Path file = temp.resolve(name);
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
      out.write(text.getBytes(StandardCharsets.US_ASCII));
    }
    return file;
  }

  private static Path path(java.nio.file.Path file) {
    return new Path(file.toAbsolutePath().normalize().toUri());
  }

  private static List<String> counts(int value) {
    return Collections.nCopies(OptdigitsCsvReader.FEATURES, Integer.toString(value));
  }

  private static String line(List<String> values, int label) {
    return String.join(",", values) + "," + label;
  }

  private static List<String> append(List<String> values, String extra) {
    List<String> out = new ArrayList<>(values);
    out.add(extra);
    return out;
  }

  private static List<String> replace(List<String> values, int index, String value) {
    List<String> out = new ArrayList<>(values);
    out.set(index, value);
    return out;
  }

  private static double[] doubles(List<String> values) {
    return values.stream().mapToDouble(Double::parseDouble).toArray();
  }
}
