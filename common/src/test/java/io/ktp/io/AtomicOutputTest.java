package io.ktp.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ktp.cli.UserException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicOutputTest {
  @TempDir
  java.nio.file.Path temp;

  private FileSystem fs;
  private Path target;

  @BeforeEach
  void openFileSystem() throws IOException {
    fs = FileSystem.getLocal(new Configuration());
    target = new Path(temp.toUri().toString(), "reports/transfer");
  }

  @Test
  void pathIsHiddenSibling() throws Exception {
    AtomicOutput output = AtomicOutput.begin(fs, target, false);

    assertEquals(target.getParent(), output.path().getParent());
    assertTrue(output.path().getName().startsWith("_tmp-transfer-"), output.path().getName());
    assertTrue(fs.exists(target.getParent()), "begin creates the parent folder");
    assertFalse(fs.exists(output.path()), "begin writes nothing yet");
  }

  @Test
  void commitMovesNewOutputIntoPlace() throws Exception {
    AtomicOutput output = AtomicOutput.begin(fs, target, false);
    write(output.path(), "part-0", "new");

    output.commit();
    output.abort();

    assertEquals("new", read(new Path(target, "part-0")));
    assertEquals(Set.of("transfer"), allNames(target.getParent()));
  }

  @Test
  void commitReplacesOldOutput() throws Exception {
    write(target, "part-0", "old");
    write(target, "part-1", "old");
    AtomicOutput output = AtomicOutput.begin(fs, target, true);
    write(output.path(), "part-0", "new");

    output.commit();

    assertEquals("new", read(new Path(target, "part-0")));
    assertFalse(fs.exists(new Path(target, "part-1")), "no file of the old output is left");
    assertEquals(Set.of("transfer"), allNames(target.getParent()));
  }

  @Test
  void abortLeavesOldOutput() throws Exception {
    write(target, "part-0", "old");
    AtomicOutput output = AtomicOutput.replacing(fs, target);
    write(output.path(), "part-0", "half");

    output.abort();

    assertEquals("old", read(new Path(target, "part-0")));
    assertEquals(Set.of("transfer"), allNames(target.getParent()));
  }

  @Test
  void abortWithoutOldOutputLeavesNothing() throws Exception {
    AtomicOutput output = AtomicOutput.begin(fs, target, false);
    write(output.path(), "part-0", "half");

    output.abort();

    assertFalse(fs.exists(target));
    assertEquals(Set.of(), allNames(target.getParent()));
  }

  @Test
  void beginRejectsExistingTargetWithoutOverwrite() throws Exception {
    write(target, "part-0", "old");
    List<String> before = listing();

    UserException error = assertThrows(UserException.class,
        () -> AtomicOutput.begin(fs, target, false));

    assertEquals("Output " + target + " already exists: pass --overwrite to replace it or choose"
        + " another workspace", error.getMessage());
    assertEquals(before, listing());
  }

  @Test
  void outputMovedAsideByKilledCommitIsRestored() throws Exception {
    Path movedAside = new Path(target.getParent(), "_old-transfer-" + java.util.UUID.randomUUID());
    write(movedAside, "part-0", "old");

    UserException error = assertThrows(UserException.class,
        () -> AtomicOutput.begin(fs, target, false));

    assertTrue(error.getMessage().startsWith("Output " + target + " already exists"),
        error.getMessage());
    assertEquals("old", read(new Path(target, "part-0")));
    assertEquals(Set.of("transfer"), allNames(target.getParent()));
  }

  @Test
  void outputOfAnotherTargetIsNotRestored() throws Exception {
    Path otherTarget = new Path(target.getParent(),
        "_old-transfer-x-" + java.util.UUID.randomUUID());
    write(otherTarget, "part-0", "other");

    AtomicOutput.begin(fs, target, false);

    assertFalse(fs.exists(target));
    assertTrue(fs.exists(otherTarget));
  }

  private void write(Path folder, String name, String text) throws IOException {
    try (OutputStream out = fs.create(new Path(folder, name))) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
  }

  private String read(Path file) throws IOException {
    return new String(fs.open(file).readAllBytes(), StandardCharsets.UTF_8);
  }

  /** Returns every name in a folder, also the hidden '_tmp-' and '.crc' ones. */
  private Set<String> allNames(Path folder) throws IOException {
    Set<String> names = new TreeSet<>();
    for (java.io.File file : new java.io.File(folder.toUri()).listFiles()) {
      names.add(file.getName());
    }
    return names;
  }

  private List<String> listing() throws IOException {
    try (Stream<java.nio.file.Path> paths = Files.walk(temp)) {
      return paths.map(path -> temp.relativize(path).toString()).sorted().toList();
    }
  }
}
