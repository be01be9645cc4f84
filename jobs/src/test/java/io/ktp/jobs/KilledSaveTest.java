package io.ktp.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ktp.io.Workspace;
import io.ktp.model.ModelRegistry;
import io.ktp.model.ModelStore;
import io.ktp.model.StoredModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Kills a writer JVM with SIGKILL in the middle of a model save and checks that the registry
 * stays consistent: no half version is listed or loaded, aliases are intact, and the next save
 * works. The test kills only the child JVM it started, by the PID of its {@link Process}.
 */
class KilledSaveTest {
  /** Guard against a child JVM that never reaches the kill point; not a timing assertion. */
  private static final long DEADLINE_MILLIS = 10 * 60 * 1000;

  @TempDir
  Path temp;

  /**
   * Kills a save at two points: while it writes the model file (before it claims a version) and
   * after it claimed version 2, just before the version folder is renamed into place.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource({"hang-in-model, false, 2", "hang-before-rename, true, 3"})
  void killedSaveLeavesRegistryConsistent(String mode, boolean claimed, int nextVersion)
      throws Exception {
    Path folder = temp.resolve("ws");
    Workspace workspace = Workspace.open(folder.toString(), new Configuration());
    ModelStore store = new ModelStore(workspace);
    store.save(RegistryWriterMain.network(1), RegistryWriterMain.manifest("source", 1));
    ModelRegistry registry = new ModelRegistry(workspace);
    registry.promote("source", ModelRegistry.PRODUCTION, 1, "first release");

    Process writer = startWriter(folder, mode);
    try {
      awaitFile(temp.resolve("ready.paused"), writer);
    } finally {
      kill(writer);
    }

    assertEquals(137, writer.exitValue(), "exit value of a JVM killed by SIGKILL");
    assertEquals(1, hiddenFolders(folder.resolve("models/source")).size(),
        "the killed save left its temporary folder");
    assertEquals(claimed, Files.exists(folder.resolve("models/source/claims/v2")),
        "claim of version 2");
    assertFalse(Files.exists(folder.resolve("models/source/v2")), "no version 2 folder");
    assertEquals(List.of(1), registry.versions("source"));
    assertEquals(1, registry.resolve("source", "latest"));
    assertEquals(1, registry.resolve("source", ModelRegistry.PRODUCTION));
    assertEquals(1, store.load("source", 0).manifest().version());
    assertEquals(0, CliRuns.run(List.of("models", "list", "-w", folder.toString())).exitCode());

    StoredModel saved = store.load("source", store.save(RegistryWriterMain.network(3),
        RegistryWriterMain.manifest("source", 3)).version());
    assertEquals(nextVersion, saved.manifest().version(), "a claimed number is never reused");
    assertArrayEquals(RegistryWriterMain.network(3).params().toDoubleVector(),
        saved.network().params().toDoubleVector());
    assertEquals(List.of(1, nextVersion), registry.versions("source"));
  }

  @Test
  void writerStartsAndSavesWithoutKill() throws Exception {
    Path folder = temp.resolve("ws");
    Process writer = startWriter(folder, "normal");

    assertTrue(writer.waitFor(DEADLINE_MILLIS, TimeUnit.MILLISECONDS), "writer finished");
    assertEquals(0, writer.exitValue(), Files.readString(temp.resolve("writer.log")));
    Workspace workspace = Workspace.open(folder.toString(), new Configuration());
    assertEquals(List.of(1), new ModelRegistry(workspace).versions("source"));
  }

  private Process startWriter(Path folder, String mode) throws IOException {
    Path go = temp.resolve("go");
    Files.deleteIfExists(go);
    Files.createFile(go);
    List<String> command = ChildJvms.command(RegistryWriterMain.class,
        temp.resolve("hadoop-tmp"));
    command.addAll(List.of(folder.toString(), "source", "2", "1",
        temp.resolve("ready").toString(), go.toString(), mode));
    return ChildJvms.start(command, temp.resolve("writer.log"));
  }

  private void awaitFile(Path file, Process writer) throws Exception {
    long deadline = System.currentTimeMillis() + DEADLINE_MILLIS;
    while (!Files.exists(file)) {
      if (!writer.isAlive() || System.currentTimeMillis() > deadline) {
        throw new IOException("The writer did not reach the kill point:\n"
            + Files.readString(temp.resolve("writer.log")));
      }
      Thread.sleep(2);
    }
  }

  /** Sends SIGKILL to the writer JVM that this test started, by its PID, and waits for it. */
  private static void kill(Process writer) throws InterruptedException {
    if (writer.isAlive()) {
      writer.destroyForcibly();
    }
    writer.waitFor();
  }

  private static List<Path> hiddenFolders(Path folder) throws IOException {
    try (Stream<Path> entries = Files.list(folder)) {
      return entries.filter(path -> path.getFileName().toString().startsWith("_tmp-")).toList();
    }
  }
}
