package io.ktp.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ktp.io.ExclusiveFiles;
import io.ktp.io.Workspace;
import io.ktp.model.AliasMove;
import io.ktp.model.Manifest;
import io.ktp.model.ModelRegistry;
import io.ktp.model.ModelStore;
import io.ktp.model.StoredModel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Races several writers for the same model versions and alias moves, as threads of this JVM and
 * as child JVMs, on the local file system and on an in-process HDFS (one NameNode and one
 * DataNode on 127.0.0.1).
 */
class ModelRegistryConcurrencyTest {
  private static final Logger LOG = LoggerFactory.getLogger(ModelRegistryConcurrencyTest.class);
  private static final int THREADS = 6;
  private static final int SAVES_PER_THREAD = 3;
  private static final int PROCESSES = 2;
  private static final int SAVES_PER_PROCESS = 6;
  private static final int RACE_ROUNDS = 40;
  /** Guard against a hung writer; not a timing assertion. */
  private static final long DEADLINE_MINUTES = 10;

  @TempDir
  static Path temp;

  private static MiniDFSCluster cluster;
  private static String hdfsRoot;
  private static int workspaceCount;

  @BeforeAll
  static void startHdfs() throws Exception {
    cluster = LoopbackHdfs.start(temp.resolve("dfs"));
    hdfsRoot = LoopbackHdfs.root(cluster);
  }

  @AfterAll
  static void stopHdfs() {
    if (cluster != null) {
      cluster.shutdown(true);
    }
  }

  @Test
  void clusterListensOnLoopback() {
    LoopbackHdfs.assertLoopback(cluster);
  }

  /**
   * Shows the Hadoop behaviour that rules out renaming as a version claim: a folder renamed onto
   * an existing folder lands inside it, and rename still returns true.
   */
  @ParameterizedTest
  @ValueSource(strings = {"local", "hdfs"})
  void renameOntoFolderMovesInside(String fileSystem) throws Exception {
    Workspace workspace = newWorkspace(fileSystem);
    FileSystem fs = workspace.fs();
    org.apache.hadoop.fs.Path existing = new org.apache.hadoop.fs.Path(workspace.root(), "v1");
    org.apache.hadoop.fs.Path moved = new org.apache.hadoop.fs.Path(workspace.root(), "_tmp-a");
    fs.mkdirs(existing);
    fs.create(new org.apache.hadoop.fs.Path(existing, "manifest.json")).close();
    fs.mkdirs(moved);

    assertTrue(fs.rename(moved, existing), "rename returns true");
    assertTrue(fs.exists(new org.apache.hadoop.fs.Path(existing, "_tmp-a")),
        "the folder moved inside the existing one");
  }

  @ParameterizedTest
  @ValueSource(strings = {"local", "hdfs"})
  void createIfAbsentHasOneWinner(String fileSystem) throws Exception {
    Workspace workspace = newWorkspace(fileSystem);
    FileSystem fs = workspace.fs();

    for (int round = 0; round < RACE_ROUNDS; round++) {
      org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(workspace.root(),
          "claims/v" + round);
      List<Boolean> results = race(THREADS, writer -> ExclusiveFiles.createIfAbsent(fs, target,
          ("writer " + writer).getBytes(StandardCharsets.UTF_8)));

      int winner = results.indexOf(true);
      assertEquals(1, results.stream().filter(won -> won).count(), "winners of round " + round);
      try (InputStream in = fs.open(target)) {
        assertEquals("writer " + winner, new String(in.readAllBytes(), StandardCharsets.UTF_8),
            "content of round " + round);
      }
    }
    for (FileStatus status : fs.listStatus(new org.apache.hadoop.fs.Path(workspace.root(),
        "claims"))) {
      assertFalse(status.getPath().getName().startsWith("_tmp-"), status.getPath().toString());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"local", "hdfs"})
  void concurrentSavesGetDistinctVersions(String fileSystem) throws Exception {
    Workspace workspace = newWorkspace(fileSystem);
    ModelStore store = new ModelStore(workspace);

    // The networks are built first, so that the writers race only on saving.
    Map<Long, MultiLayerNetwork> networks = new HashMap<>();
    for (int writer = 0; writer < THREADS; writer++) {
      for (int i = 0; i < SAVES_PER_THREAD; i++) {
        networks.put(seed(writer, i), RegistryWriterMain.network(seed(writer, i)));
      }
    }

    List<List<Manifest>> saved = race(THREADS, writer -> {
      List<Manifest> manifests = new ArrayList<>();
      for (int i = 0; i < SAVES_PER_THREAD; i++) {
        manifests.add(store.save(networks.get(seed(writer, i)),
            RegistryWriterMain.manifest("source", seed(writer, i))));
      }
      return manifests;
    });

    TreeSet<Integer> versions = new TreeSet<>();
    saved.forEach(manifests -> manifests.forEach(manifest -> versions.add(manifest.version())));
    assertEquals(THREADS * SAVES_PER_THREAD, versions.size(), "distinct versions " + versions);
    assertRegistryHoldsSeeds(workspace, seedsOf(saved));
  }

  @ParameterizedTest
  @ValueSource(strings = {"local", "hdfs"})
  void concurrentPromotesKeepOneHistory(String fileSystem) throws Exception {
    Workspace workspace = newWorkspace(fileSystem);
    ModelStore store = new ModelStore(workspace);
    for (int seed = 1; seed <= THREADS; seed++) {
      store.save(RegistryWriterMain.network(seed), RegistryWriterMain.manifest("source", seed));
    }
    ModelRegistry registry = new ModelRegistry(workspace);

    List<Integer> previous = race(THREADS, writer -> new ModelRegistry(workspace)
        .promote("source", ModelRegistry.PRODUCTION, writer + 1, "writer " + writer));

    List<AliasMove> history = registry.history("source", ModelRegistry.PRODUCTION);
    assertEquals(THREADS, history.size(), "one move per promote");
    TreeSet<Integer> moved = new TreeSet<>();
    for (int i = 0; i < history.size(); i++) {
      AliasMove move = history.get(i);
      assertEquals(i + 1, move.sequence());
      assertEquals(i == 0 ? 0 : history.get(i - 1).version(), move.previous(),
          "move " + move.sequence() + " records the version it replaced");
      assertEquals(i, move.restores());
      moved.add(move.version());
    }
    assertEquals(new TreeSet<>(IntStream.rangeClosed(1, THREADS).boxed().toList()), moved);
    assertEquals(new TreeSet<>(history.stream().map(AliasMove::previous).toList()),
        new TreeSet<>(previous), "each promote returned the version its move replaced");
    assertEquals(history.get(THREADS - 1).version(),
        registry.resolve("source", ModelRegistry.PRODUCTION));
  }

  /** Two writer JVMs, released at the same moment, each save versions of one model. */
  @ParameterizedTest
  @ValueSource(strings = {"local", "hdfs"})
  void twoProcessesSaveDistinctVersions(String fileSystem) throws Exception {
    Workspace workspace = newWorkspace(fileSystem);
    Path go = temp.resolve("go-" + workspaceCount);
    List<Process> writers = new ArrayList<>();
    List<Path> logs = new ArrayList<>();
    List<Long> seeds = new ArrayList<>();
    for (int writer = 0; writer < PROCESSES; writer++) {
      Path ready = temp.resolve("ready-" + workspaceCount + "-" + writer);
      Path log = temp.resolve("writer-" + workspaceCount + "-" + writer + ".log");
      long firstSeed = 1000L * (writer + 1);
      List<String> command = ChildJvms.command(RegistryWriterMain.class,
          temp.resolve("hadoop-tmp"));
      command.addAll(List.of(workspace.root().toString(), "source", Long.toString(firstSeed),
          Integer.toString(SAVES_PER_PROCESS), ready.toString(), go.toString(), "normal"));
      writers.add(ChildJvms.start(command, log));
      logs.add(log);
      awaitFile(ready, writers.get(writer), log);
      for (int i = 0; i < SAVES_PER_PROCESS; i++) {
        seeds.add(firstSeed + i);
      }
    }

    Files.createFile(go);
    for (int writer = 0; writer < PROCESSES; writer++) {
      assertTrue(writers.get(writer).waitFor(DEADLINE_MINUTES, TimeUnit.MINUTES),
          "writer " + writer + " did not finish");
      assertEquals(0, writers.get(writer).exitValue(), Files.readString(logs.get(writer)));
    }

    assertRegistryHoldsSeeds(workspace, seeds);
  }

  /**
   * Checks that the model's versions are numbered 1 to n without gaps, that each loads, and that
   * each holds the network of one of {@code seeds}, every seed exactly once.
   */
  private static void assertRegistryHoldsSeeds(Workspace workspace, List<Long> seeds)
      throws Exception {
    ModelStore store = new ModelStore(workspace);
    List<Integer> versions = new ModelRegistry(workspace).versions("source");
    assertEquals(IntStream.rangeClosed(1, seeds.size()).boxed().toList(), versions);
    TreeSet<Long> found = new TreeSet<>();
    for (int version : versions) {
      StoredModel stored = store.load("source", version);
      long seed = stored.manifest().seed();
      MultiLayerNetwork expected = RegistryWriterMain.network(seed);
      assertArrayEquals(expected.params().toDoubleVector(),
          stored.network().params().toDoubleVector(), "parameters of v" + version);
      assertEquals(Map.of("--seed", (Object) seed).toString(),
          stored.manifest().config().toString(), "config of v" + version);
      found.add(seed);
    }
    assertEquals(new TreeSet<>(seeds), found, "every saved network is stored once");
    LOG.info("{} versions on {} hold {} distinct networks", versions.size(), workspace.root(),
        found.size());
  }

  /**
   * Returns the seed of save {@code i} of a writer. Seeds start at 1, because two builds with
   * seed 0 gave different weights here (DL4J 1.0.0-M2).
   */
  private static long seed(int writer, int i) {
    return 100L * (writer + 1) + i;
  }

  private static List<Long> seedsOf(List<List<Manifest>> saved) {
    List<Long> seeds = new ArrayList<>();
    saved.forEach(manifests -> manifests.forEach(manifest -> seeds.add(manifest.seed())));
    return seeds;
  }

  /** A step that one writer of a race runs, given its index. */
  private interface Writer<T> {
    T run(int writer) throws Exception;
  }

  /** Runs {@code writers} threads that start {@code writer} at the same moment. */
  private static <T> List<T> race(int writers, Writer<T> writer) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<T>> futures = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        int index = i;
        Callable<T> task = () -> {
          start.await();
          return writer.run(index);
        };
        futures.add(pool.submit(task));
      }
      start.countDown();
      List<T> results = new ArrayList<>();
      for (Future<T> future : futures) {
        results.add(future.get(DEADLINE_MINUTES, TimeUnit.MINUTES));
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }

  private static Workspace newWorkspace(String fileSystem) throws Exception {
    workspaceCount++;
    String root = fileSystem.equals("hdfs") ? hdfsRoot + "/ws" + workspaceCount
        : temp.resolve("ws" + workspaceCount).toString();
    return Workspace.open(root, new Configuration());
  }

  private static void awaitFile(Path file, Process process, Path log) throws Exception {
    long deadline = System.currentTimeMillis() + TimeUnit.MINUTES.toMillis(DEADLINE_MINUTES);
    while (!Files.exists(file)) {
      if (!process.isAlive() || System.currentTimeMillis() > deadline) {
        process.destroyForcibly();
        throw new IOException("Writer did not get ready:\n" + Files.readString(log));
      }
      Thread.sleep(10);
    }
  }
}
