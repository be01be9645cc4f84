package io.ktp.jobs;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

/** Builds small MNIST package tarballs and DL4J model archives, valid or damaged, for tests. */
final class TestArchives {
  private TestArchives() {
  }

  /** Returns the ten class files of an MNIST package with one image per class. */
  static Map<String, String> mnistEntries() {
    Map<String, String> entries = new LinkedHashMap<>();
    for (int label = 0; label < 10; label++) {
      StringJoiner data = new StringJoiner(",", "{\"data\":[", "]}");
      for (int pixel = 0; pixel < 784; pixel++) {
        data.add(Double.toString(((label * 7 + pixel) % 11) / 10.0));
      }
      entries.put("package/src/digits/" + label + ".json", data.toString());
    }
    return entries;
  }

  /** Writes {@code entries} as a gzip tarball. */
  static void tgz(Path file, Map<String, String> entries) throws IOException {
    try (OutputStream raw = Files.newOutputStream(file);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(raw))) {
      for (Map.Entry<String, String> entry : entries.entrySet()) {
        byte[] bytes = entry.getValue().getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry tarEntry = new TarArchiveEntry(entry.getKey());
        tarEntry.setSize(bytes.length);
        tar.putArchiveEntry(tarEntry);
        tar.write(bytes);
        tar.closeArchiveEntry();
      }
    }
  }

  /** Writes {@code text} gzip-compressed. */
  static void gzip(Path file, String text) throws IOException {
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
  }

  /** Returns the entries of the archive that ModelSerializer writes for {@code network}. */
  static Map<String, byte[]> modelEntries(MultiLayerNetwork network) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ModelSerializer.writeModel(network, bytes, true);
    Map<String, byte[]> entries = new LinkedHashMap<>();
    try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
        entries.put(entry.getName(), zip.readAllBytes());
      }
    }
    return entries;
  }

  /** Returns {@code entries} as zip bytes, in their iteration order. */
  static byte[] zip(Map<String, byte[]> entries) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
        zip.putNextEntry(new ZipEntry(entry.getKey()));
        zip.write(entry.getValue());
        zip.closeEntry();
      }
    }
    return bytes.toByteArray();
  }
}
