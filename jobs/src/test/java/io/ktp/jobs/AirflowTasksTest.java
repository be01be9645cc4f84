package io.ktp.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ktp.cli.ExitCodes;
import io.ktp.cli.UserException;
import io.ktp.io.Workspace;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * Checks the Airflow DAG's task file: every task's arguments, with sample values in place of the
 * Airflow templates, must parse with the job's own command line, and the tasks must run in
 * pipeline order. Nothing here runs a job or Airflow.
 */
class AirflowTasksTest {
  private static final Path AIRFLOW = Path.of("../cluster-configs/airflow").toAbsolutePath()
      .normalize();
  private static final Path TASKS = AIRFLOW.resolve("ktp_tasks.json");
  private static final Path DAG = AIRFLOW.resolve("ktp_pipeline.py");
  private static final Path LIFECYCLE_TASKS = AIRFLOW.resolve("ktp_lifecycle_tasks.json");
  private static final Path LIFECYCLE_DAG = AIRFLOW.resolve("ktp_lifecycle.py");
  private static final String WORKSPACE = "hdfs://127.0.0.1:8020/user/ktp/workspace";
  private static final String RUN_ID = "20261204";
  /** Sample value of every template that the task file may use. */
  private static final Map<String, String> TEMPLATES = Map.of(
      "params.workspace", WORKSPACE,
      "params.ktp_home", "/opt/ktp",
      "params.cluster", "yarn",
      "params.spark_submit", "/opt/spark/bin/spark-submit",
      "params.model", "finetuned",
      "params.batch_domain", "incoming",
      "ds_nodash", RUN_ID);
  private static final Pattern TEMPLATE = Pattern.compile("\\{\\{\\s*([^}]*?)\\s*}}");

  private static JsonNode spec;
  private static JsonNode lifecycle;

  @BeforeAll
  static void readTasks() throws IOException {
    spec = new ObjectMapper().readTree(TASKS.toFile());
    lifecycle = new ObjectMapper().readTree(LIFECYCLE_TASKS.toFile());
  }

  static Stream<String> taskIds() throws IOException {
    readTasks();
    return ids(spec);
  }

  private static Stream<String> ids(JsonNode tasks) {
    List<String> ids = new ArrayList<>();
    tasks.get("tasks").forEach(task -> ids.add(task.get("task_id").asText()));
    return ids.stream();
  }

  @ParameterizedTest
  @MethodSource("taskIds")
  void taskArgumentsParse(String taskId) {
    assertParses(spec, taskId);
  }

  /** Parses one task's arguments with the job's command line and checks workspace and run id. */
  private static void assertParses(JsonNode tasks, String taskId) {
    List<String> args = arguments(tasks, taskId);

    CommandLine.ParseResult parsed = new CommandLine(new Ktp()).parseArgs(
        args.toArray(String[]::new));

    assertTrue(parsed.hasSubcommand(), taskId + " names no job: " + args);
    CommandLine.ParseResult job = parsed.subcommand();
    assertEquals(taskId, job.commandSpec().name(), "job of task " + taskId);
    assertEquals(WORKSPACE, job.matchedOptionValue("--workspace", null), taskId + " workspace");
    assertEquals(RUN_ID, job.matchedOptionValue("--run-id", null), taskId + " run id");
  }

  @Test
  void sharedSettingsUseKnownTemplates() {
    for (String field : List.of("application", "properties_file", "java_class", "conn_id")) {
      String value = substitute(spec.get(field).asText());
      assertFalse(value.isBlank(), field);
    }
    assertEquals(Ktp.class.getName(), spec.get("java_class").asText());
    assertEquals("/opt/ktp/cluster-configs/yarn/spark-defaults.conf",
        substitute(spec.get("properties_file").asText()));
    assertParamsDeclared(spec);
  }

  static Stream<String> lifecycleTaskIds() throws IOException {
    readTasks();
    return ids(lifecycle);
  }

  @ParameterizedTest
  @MethodSource("lifecycleTaskIds")
  void lifecycleTaskArgumentsParse(String taskId) {
    assertParses(lifecycle, taskId);
  }

  @Test
  void lifecycleBranchesOnExitCodes() {
    Map<String, String> drift = branches("drift");
    Map<String, String> recalibrate = branches("recalibrate");

    assertEquals(Map.of(Integer.toString(ExitCodes.OK), "no_drift",
        Integer.toString(ExitCodes.RECALIBRATION_ADVISED), "recalibrate"), drift);
    assertEquals(Map.of(Integer.toString(ExitCodes.OK), "promoted",
        Integer.toString(ExitCodes.NOT_PROMOTED), "production_kept"), recalibrate);
    List<String> ends = new ArrayList<>();
    lifecycle.get("ends").forEach(end -> ends.add(end.asText()));
    assertEquals(List.of("no_drift", "promoted", "production_kept"), ends);
  }

  @Test
  void lifecycleTasksShareModelAndBatch() {
    DriftJob drift = job(lifecycle, "drift");
    RecalibrateJob recalibrate = job(lifecycle, "recalibrate");

    assertEquals(drift.modelOptions.model, recalibrate.modelOptions.model);
    assertEquals(drift.modelOptions.version, recalibrate.modelOptions.version);
    assertEquals(drift.batchDomain, recalibrate.batchDomain);
    assertEquals(recalibrate.modelOptions.version, recalibrate.alias);
    DenoiseJob denoise = job("denoise");
    FinetuneJob finetune = job("finetune");
    assertEquals(denoise.outputDomain(), recalibrate.sourceDomain);
    assertEquals(finetune.model, drift.modelOptions.model);
    assertEquals("/opt/spark/bin/spark-submit",
        substitute(lifecycle.get("spark_submit").asText()));
    assertParamsDeclared(lifecycle);
  }

  @Test
  void lifecycleDagCompilesWithPython(@TempDir Path cache)
      throws IOException, InterruptedException {
    String dag = Files.readString(LIFECYCLE_DAG, StandardCharsets.UTF_8);
    assertTrue(dag.contains("ktp_lifecycle_tasks.json"),
        "the DAG reads its tasks from ktp_lifecycle_tasks.json");
    assumeTrue(pythonPresent(), "python3 is not on the PATH");

    assertCompiles(LIFECYCLE_DAG, cache);
  }

  private static Map<String, String> branches(String taskId) {
    for (JsonNode task : lifecycle.get("tasks")) {
      if (task.get("task_id").asText().equals(taskId)) {
        Map<String, String> branches = new HashMap<>();
        task.get("branches").fields().forEachRemaining(entry ->
            branches.put(entry.getKey(), entry.getValue().asText()));
        return branches;
      }
    }
    throw new AssertionError("no task " + taskId + " in " + LIFECYCLE_TASKS);
  }

  @Test
  void sampleRunIdIsValidName() throws UserException {
    assertEquals(RUN_ID, Workspace.checkName("run id", RUN_ID));
  }

  @Test
  void pretrainReadsDenoiseOutput() {
    DenoiseJob denoise = job("denoise");
    PretrainJob pretrain = job("pretrain");
    EvaluateJob evaluate = job("evaluate");
    FinetuneJob finetune = job("finetune");

    assertEquals(IngestJob.SOURCE_DOMAIN, denoise.domain);
    assertEquals(denoise.outputDomain(), pretrain.domain);
    assertEquals(denoise.outputDomain(), evaluate.sourceDomain);
    assertEquals(pretrain.model, finetune.sourceModel);
    assertEquals(pretrain.model, evaluate.sourceModel);
    assertEquals(finetune.model, evaluate.model);
    assertEquals(finetune.baselineModel, evaluate.baselineModel);
  }

  @Test
  void tasksRunInPipelineOrder() {
    Map<String, List<String>> upstream = new LinkedHashMap<>();
    spec.get("tasks").forEach(task -> {
      List<String> ids = new ArrayList<>();
      task.get("upstream").forEach(id -> ids.add(id.asText()));
      upstream.put(task.get("task_id").asText(), ids);
    });
    upstream.values().forEach(ids -> ids.forEach(id ->
        assertTrue(upstream.containsKey(id), "unknown upstream task " + id)));

    List<String> order = topologicalOrder(upstream);

    assertEquals(upstream.size(), order.size(), "tasks in a cycle: " + upstream);
    List<String> pipeline = List.of("ingest", "denoise", "pretrain", "finetune", "evaluate");
    for (int i = 1; i < pipeline.size(); i++) {
      assertTrue(dependsOn(upstream, pipeline.get(i), pipeline.get(i - 1)),
          pipeline.get(i) + " must run after " + pipeline.get(i - 1));
    }
    assertTrue(dependsOn(upstream, "distill", "finetune"), "distill after finetune");
    assertTrue(dependsOn(upstream, "compress", "distill"), "compress after distill");
  }

  @Test
  void parseRejectsBadArguments() {
    CommandLine.UnmatchedArgumentException unknown = assertThrows(
        CommandLine.UnmatchedArgumentException.class,
        () -> new CommandLine(new Ktp()).parseArgs("pretrain", "--epoch", "3"));
    assertTrue(unknown.getMessage().contains("--epoch"), unknown.getMessage());

    CommandLine.ParameterException badValue = assertThrows(CommandLine.ParameterException.class,
        () -> new CommandLine(new Ktp()).parseArgs("pretrain", "--epochs", "three"));
    assertTrue(badValue.getMessage().contains("three"), badValue.getMessage());
  }

  @Test
  void templateLeftUnknownFails() {
    AssertionError failure = assertThrows(AssertionError.class,
        () -> substitute("--run-id {{ ts_nodash }}"));
    assertTrue(failure.getMessage().contains("ts_nodash"), failure.getMessage());
  }

  @Test
  void dagCompilesWithPython(@TempDir Path cache) throws IOException, InterruptedException {
    String dag = Files.readString(DAG, StandardCharsets.UTF_8);
    assertTrue(dag.contains("ktp_tasks.json"), "the DAG reads its tasks from ktp_tasks.json");
    assumeTrue(pythonPresent(), "python3 is not on the PATH");

    assertCompiles(DAG, cache);
  }

  private static void assertCompiles(Path dag, Path cache)
      throws IOException, InterruptedException {
    ProcessBuilder compile = new ProcessBuilder("python3", "-m", "py_compile", dag.toString())
        .redirectErrorStream(true);
    // Keeps the byte code out of the source tree.
    compile.environment().put("PYTHONPYCACHEPREFIX", cache.toString());
    Process process = compile.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "py_compile timed out");
    assertEquals(0, process.exitValue(), output);
  }

  /** Checks that every params template the task file uses is a param of its DAG. */
  private static void assertParamsDeclared(JsonNode tasks) {
    String tasksText = tasks.toString();
    for (String name : TEMPLATES.keySet()) {
      if (name.startsWith("params.") && tasksText.contains(name)) {
        assertTrue(tasks.get("params").has(name.substring("params.".length())),
            tasks.get("dag_id").asText() + " param for template " + name);
      }
    }
  }

  /** Returns the arguments of one task with the sample values in place of the templates. */
  private static List<String> arguments(String taskId) {
    return arguments(spec, taskId);
  }

  private static List<String> arguments(JsonNode tasks, String taskId) {
    for (JsonNode task : tasks.get("tasks")) {
      if (task.get("task_id").asText().equals(taskId)) {
        List<String> args = new ArrayList<>();
        task.get("args").forEach(arg -> args.add(substitute(arg.asText())));
        return args;
      }
    }
    throw new AssertionError("no task " + taskId + " in " + tasks.get("dag_id").asText());
  }

  private static <T> T job(String taskId) {
    return job(spec, taskId);
  }

  private static <T> T job(JsonNode tasks, String taskId) {
    CommandLine.ParseResult parsed = new CommandLine(new Ktp()).parseArgs(
        arguments(tasks, taskId).toArray(String[]::new));
    return parsed.subcommand().commandSpec().commandLine().getCommand();
  }

  private static String substitute(String value) {
    Matcher matcher = TEMPLATE.matcher(value);
    StringBuilder result = new StringBuilder();
    while (matcher.find()) {
      String sample = TEMPLATES.get(matcher.group(1));
      if (sample == null) {
        throw new AssertionError("Template " + matcher.group() + " in '" + value
            + "' has no sample value: add it to TEMPLATES and to the DAG's params");
      }
      matcher.appendReplacement(result, Matcher.quoteReplacement(sample));
    }
    matcher.appendTail(result);
    assertFalse(result.toString().contains("{{"), "unclosed template in " + value);
    return result.toString();
  }

  private static List<String> topologicalOrder(Map<String, List<String>> upstream) {
    List<String> order = new ArrayList<>();
    Map<String, List<String>> left = new HashMap<>(upstream);
    boolean progress = true;
    while (!left.isEmpty() && progress) {
      progress = false;
      for (String id : List.copyOf(left.keySet())) {
        if (order.containsAll(left.get(id))) {
          order.add(id);
          left.remove(id);
          progress = true;
        }
      }
    }
    return order;
  }

  /** Returns true when {@code task} runs after {@code earlier}, directly or through others. */
  private static boolean dependsOn(Map<String, List<String>> upstream, String task,
      String earlier) {
    for (String parent : upstream.getOrDefault(task, List.of())) {
      if (parent.equals(earlier) || dependsOn(upstream, parent, earlier)) {
        return true;
      }
    }
    return false;
  }

  private static boolean pythonPresent() {
    try {
      Process process = new ProcessBuilder("python3", "--version").redirectErrorStream(true)
          .start();
      process.getInputStream().readAllBytes();
      return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
