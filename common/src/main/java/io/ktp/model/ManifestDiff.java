package io.ktp.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/** Compares two manifests field by field, and entry by entry within config, inputs and metrics. */
public final class ManifestDiff {
  private ManifestDiff() {
  }

  /**
   * One field that differs; a value is null where that manifest lacks the field.
   *
   * @param field {@code job}, {@code seed}, ... or {@code config.<key>}, {@code inputs.<table>},
   *     {@code metrics.<name>}
   * @param from value in the first manifest
   * @param to value in the second manifest
   */
  public record Difference(String field, Object from, Object to) {
  }

  /** Returns every field whose values differ, top-level fields first, then map entries sorted. */
  public static List<Difference> compare(Manifest from, Manifest to) {
    List<Difference> differences = new ArrayList<>();
    add(differences, "job", from.job(), to.job());
    add(differences, "created_at", from.createdAt(), to.createdAt());
    add(differences, "seed", from.seed(), to.seed());
    add(differences, "parent", from.parent(), to.parent());
    add(differences, "code_version", from.codeVersion(), to.codeVersion());
    addEntries(differences, "config", from.config(), to.config());
    addEntries(differences, "inputs", from.inputs(), to.inputs());
    addEntries(differences, "metrics", from.metrics(), to.metrics());
    return differences;
  }

  private static void addEntries(List<Difference> differences, String field,
      Map<String, ?> from, Map<String, ?> to) {
    Map<String, ?> left = from == null ? Map.of() : from;
    Map<String, ?> right = to == null ? Map.of() : to;
    TreeSet<String> keys = new TreeSet<>(left.keySet());
    keys.addAll(right.keySet());
    for (String key : keys) {
      add(differences, field + "." + key, left.get(key), right.get(key));
    }
  }

  private static void add(List<Difference> differences, String field, Object from, Object to) {
    if (!Objects.equals(from, to)) {
      differences.add(new Difference(field, from, to));
    }
  }
}
