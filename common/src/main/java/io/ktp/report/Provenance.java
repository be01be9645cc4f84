package io.ktp.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Where a result came from: written into every report row and every model manifest.
 *
 * @param job the job that produced it
 * @param runId the run's id, also the report's partition folder
 * @param createdAt start time of the run, ISO-8601 UTC
 * @param seed the run's seed
 * @param config every option of the run, by option name
 * @param inputs fingerprint of every input table, by location
 */
public record Provenance(String job, String runId, String createdAt, long seed,
    Map<String, Object> config, Map<String, String> inputs) {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CODE_VERSION = readCodeVersion();

  /** Starts the provenance of a run now. */
  public static Provenance start(String job, String runId, long seed, Map<String, Object> config,
      Map<String, String> inputs) {
    return new Provenance(job, runId, Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
        seed, new TreeMap<>(config), new TreeMap<>(inputs));
  }

  /** Returns the KTP version that is running. */
  public static String codeVersion() {
    return CODE_VERSION;
  }

  public String configJson() {
    return toJson(config);
  }

  public String inputsJson() {
    return toJson(inputs);
  }

  private static String toJson(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("Provenance value is not serializable as JSON", e);
    }
  }

  private static String readCodeVersion() {
    Properties properties = new Properties();
    try (InputStream in = Provenance.class.getResourceAsStream("/io/ktp/version.properties")) {
      if (in != null) {
        properties.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return properties.getProperty("version", "unknown");
  }
}
