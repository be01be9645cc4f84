package io.ktp.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * What a saved model version records about itself, stored as {@code manifest.json} beside
 * {@code model.zip}.
 *
 * @param name model name, one path segment
 * @param version version number, from 1
 * @param job the job that trained it
 * @param createdAt creation time, ISO-8601 UTC
 * @param seed training seed
 * @param parent {@code name/vN} of the model it was fine-tuned from, or null
 * @param config every training option, by option name
 * @param inputs fingerprint of every input table, by table location
 * @param metrics named results such as accuracies, by metric name
 * @param codeVersion KTP version that wrote it
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Manifest(
    @JsonProperty("name") String name,
    @JsonProperty("version") int version,
    @JsonProperty("job") String job,
    @JsonProperty("created_at") String createdAt,
    @JsonProperty("seed") long seed,
    @JsonProperty("parent") String parent,
    @JsonProperty("config") Map<String, Object> config,
    @JsonProperty("inputs") Map<String, String> inputs,
    @JsonProperty("metrics") Map<String, Double> metrics,
    @JsonProperty("code_version") String codeVersion) {

  /** Returns a copy numbered {@code newVersion}. */
  public Manifest withVersion(int newVersion) {
    return new Manifest(name, newVersion, job, createdAt, seed, parent, config, inputs, metrics,
        codeVersion);
  }
}
