package io.ktp.data;

import io.ktp.cli.UserException;
import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Reads the UCI optical digits set as scikit-learn ships it ({@code digits.csv.gz}).
 *
 * <p>Each line has 64 integers 0..16 (on-pixel counts of the 4x4 blocks of a 32x32 bitmap, row-major
 * 8x8) and then the label 0..9, with no header.
 */
public final class OptdigitsCsvReader {
  /** Values per feature vector (8x8 blocks). */
  public static final int FEATURES = 64;
  /** Largest block count: a 4x4 block has 16 pixels. */
  public static final int MAX_COUNT = 16;
  /** Number of classes. */
  public static final int CLASSES = 10;

  private static final String FIX = ": correct the line or restore the unmodified digits.csv.gz";

  private OptdigitsCsvReader() {
  }

  /** Reads every row; the first malformed line fails the whole read with its line number. */
  public static List<RawSample> read(FileSystem fs, Path file) throws UserException, IOException {
    List<RawSample> samples = new ArrayList<>();
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(
        new GZIPInputStream(fs.open(file)), StandardCharsets.US_ASCII))) {
      String line;
      int lineNumber = 0;
      while ((line = reader.readLine()) != null) {
        lineNumber++;
        if (!line.isBlank()) {
          samples.add(parse(line, file.getName(), lineNumber));
        }
      }
    } catch (EOFException | ZipException e) {
      String problem = e.getMessage() == null ? "unexpected end of file" : e.getMessage();
      throw new UserException("Optdigits file " + file + " is truncated or corrupt (" + problem
          + "): copy digits.csv.gz again from scikit-learn's data folder", e);
    }
    if (samples.isEmpty()) {
      throw new UserException("Optdigits file " + file + " has no rows: use the unmodified"
          + " digits.csv.gz");
    }
    return samples;
  }

  /** Parses one line; {@code lineNumber} is 1-based and only used in messages. */
  static RawSample parse(String line, String fileName, int lineNumber) throws UserException {
    String where = fileName + " line " + lineNumber;
    String[] fields = line.split(",", -1);
    if (fields.length != FEATURES + 1) {
      throw new UserException(where + " has " + fields.length + " values, expected "
          + (FEATURES + 1) + " (64 block counts and the label)" + FIX);
    }
    double[] values = new double[FEATURES];
    for (int i = 0; i < FEATURES; i++) {
      values[i] = integer(fields[i], where, "value " + (i + 1), 0, MAX_COUNT);
    }
    int label = integer(fields[FEATURES], where, "label", 0, CLASSES - 1);
    String id = String.format(Locale.ROOT, "optdigits-%05d", lineNumber - 1);
    return new RawSample(id, label, values, fileName + "#" + lineNumber);
  }

  private static int integer(String text, String where, String what, int min, int max)
      throws UserException {
    int value;
    try {
      value = Integer.parseInt(text.strip());
    } catch (NumberFormatException e) {
      throw new UserException(where + ": " + what + " is '" + text + "', expected an integer in "
          + min + ".." + max + FIX, e);
    }
    if (value < min || value > max) {
      throw new UserException(where + ": " + what + " is " + value + ", expected an integer in "
          + min + ".." + max + FIX);
    }
    return value;
  }
}
