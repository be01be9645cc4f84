package io.ktp.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ktp.cli.UserException;
import java.nio.file.Files;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class WorkspaceTest {
  private static final String CWD = System.getProperty("user.dir");

  @TempDir
  java.nio.file.Path temp;

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "ws                      | file:{cwd}/ws",
      "./a/../ws/              | file:{cwd}/ws",
      "/tmp/ktp/../ktp-ws      | file:/tmp/ktp-ws",
      "file:/tmp/ktp-ws        | file:/tmp/ktp-ws",
      "hdfs://nn:8020/a/../ws  | hdfs://nn:8020/ws",
      "s3a://bucket/ktp/ws     | s3a://bucket/ktp/ws"})
  void qualifyResolvesLocations(String location, String expected) throws UserException {
    Path qualified = Workspace.qualify(location, "--workspace");

    assertEquals(expected.replace("{cwd}", CWD), qualified.toString());
  }

  @Test
  void qualifyGivesSamePathForSameText() throws UserException {
    assertEquals(Workspace.qualify("data/x.csv.gz", "--optdigits"),
        Workspace.qualify("./data/x.csv.gz", "--optdigits"));
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {"  ", "\t"})
  void qualifyRejectsBlank(String location) {
    UserException error = assertThrows(UserException.class,
        () -> Workspace.qualify(location, "--workspace"));

    assertEquals("Missing value for --workspace: give a folder path or URI", error.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"mnist", "a", "0", "source-2", "run_20261204-153000",
      "a123456789012345678901234567890123456789012345678901234567890123"})
  void checkNameAcceptsPathSegments(String name) throws UserException {
    assertEquals(name, Workspace.checkName("model", name));
  }

  @ParameterizedTest(name = "[{0}]")
  @ValueSource(strings = {"", "Mnist", "-source", "_source", "a/b", "..", "a.b", "a b",
      "mnist\u00e9", "a1234567890123456789012345678901234567890123456789012345678901234"})
  void checkNameRejectsOthers(String name) {
    UserException error = assertThrows(UserException.class,
        () -> Workspace.checkName("domain", name));

    assertEquals("Invalid domain name '" + name + "': use 1 to 64 lower-case letters, digits,"
        + " '-' or '_', starting with a letter or digit", error.getMessage());
  }

  @Test
  void checkNameRejectsNull() {
    UserException error = assertThrows(UserException.class,
        () -> Workspace.checkName("model", null));

    assertEquals("Invalid model name 'null': use 1 to 64 lower-case letters, digits, '-' or '_',"
        + " starting with a letter or digit", error.getMessage());
  }

  @Test
  void openQualifiesRootAndLaysOutFolders() throws Exception {
    java.nio.file.Path folder = temp.resolve("ws");

    Workspace workspace = Workspace.open(folder.toString(), new Configuration());

    String root = "file:" + folder.toAbsolutePath();
    assertEquals(root, workspace.root().toString());
    assertEquals(root + "/samples/mnist", workspace.samples("mnist").toString());
    assertEquals(root + "/models/source", workspace.models("source").toString());
    assertEquals(root + "/reports/transfer", workspace.reports("transfer").toString());
    assertEquals(root + "/reports/transfer/run_id=r1",
        workspace.report("transfer", "r1").toString());
    assertEquals(root + "/charts/r1", workspace.charts("r1").toString());
    assertFalse(Files.exists(folder), "opening a workspace creates nothing");
  }

  @Test
  void existsSeesFolders() throws Exception {
    Workspace workspace = Workspace.open(temp.toString(), new Configuration());
    Files.createDirectories(temp.resolve("samples/mnist"));

    assertTrue(workspace.exists(workspace.samples("mnist")));
    assertFalse(workspace.exists(workspace.samples("optdigits")));
  }

  @Test
  void openRejectsFile() throws Exception {
    java.nio.file.Path file = Files.writeString(temp.resolve("digits.csv"), "1,2");

    UserException error = assertThrows(UserException.class,
        () -> Workspace.open(file.toString(), new Configuration()));

    assertEquals("Invalid value " + file + " for --workspace: must be a folder, new or existing,"
        + " not a file", error.getMessage());
  }

  @Test
  void openRejectsUnknownScheme() {
    UserException error = assertThrows(UserException.class,
        () -> Workspace.open("nosuchfs://host/ws", new Configuration()));

    assertEquals("Cannot open workspace nosuchfs://host/ws: No FileSystem for scheme"
        + " \"nosuchfs\". Check the URI and that its file system is reachable.",
        error.getMessage());
  }
}
