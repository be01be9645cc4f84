package io.ktp.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExclusiveFilesTest {
  @TempDir
  Path temp;

  @Test
  void secondCreateChangesNothing() throws Exception {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(temp.toUri().toString(),
        "claims/v1");

    assertTrue(ExclusiveFiles.createIfAbsent(fs, target, bytes("first")));
    assertFalse(ExclusiveFiles.createIfAbsent(fs, target, bytes("second")));

    assertEquals("first", Files.readString(temp.resolve("claims/v1")));
    assertEquals(List.of("v1"), names(temp.resolve("claims")), "no temporary file is left");
  }

  @Test
  void rawLocalFileSystemIsLocal() throws Exception {
    RawLocalFileSystem raw = new RawLocalFileSystem();
    raw.initialize(java.net.URI.create("file:///"), new Configuration());
    org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(temp.toUri().toString(),
        "entry.json");

    assertEquals(temp.resolve("entry.json").toFile(), ExclusiveFiles.localFile(raw, target));
    assertTrue(ExclusiveFiles.createIfAbsent(raw, target, bytes("{}")));
    assertFalse(ExclusiveFiles.createIfAbsent(raw, target, bytes("[]")));
    assertEquals("{}", Files.readString(temp.resolve("entry.json")));
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static List<String> names(Path folder) throws Exception {
    try (Stream<Path> entries = Files.list(folder)) {
      return entries.map(path -> path.getFileName().toString()).sorted().toList();
    }
  }
}
