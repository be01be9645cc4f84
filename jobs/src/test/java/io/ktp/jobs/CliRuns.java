package io.ktp.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import picocli.CommandLine;

/** Runs {@code ktp} in this JVM and records folders, for the tests of bad input. */
final class CliRuns {
  private static final Set<String> JOBS =
      Set.of("ingest", "denoise", "pretrain", "finetune", "evaluate", "pipeline", "distill",
          "compress", "augment", "batch", "drift", "recalibrate");

  private CliRuns() {
  }

  /** Output of one run. */
  record Run(int exitCode, String out, String err) {
    List<String> errLines() {
      return err.lines().toList();
    }
  }

  /** Runs ktp with {@code args}, adding --master local[2] after a job name. */
  static Run run(List<String> args) {
    List<String> all = new ArrayList<>(args);
    if (!all.isEmpty() && JOBS.contains(all.get(0))) {
      all.addAll(1, List.of("--master", "local[2]"));
    }
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exitCode = Ktp.run(new PrintWriter(out, true), new PrintWriter(err, true),
        all.toArray(String[]::new));
    return new Run(exitCode, out.toString(), err.toString());
  }

  /** Returns every path under {@code root} with the SHA-256 of each file. */
  static Map<String, String> snapshot(Path root) throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.toList()) {
        String name = root.relativize(path).toString();
        files.put(name, Files.isDirectory(path) ? "folder" : sha256(path));
      }
    }
    return files;
  }

  /**
   * Returns the run.json that a pretrain run started with {@code args} writes with its first
   * checkpoint.
   */
  static String pretrainRunRecord(String runId, String... args) throws IOException {
    List<String> all = new ArrayList<>(List.of("pretrain", "--run-id", runId));
    all.addAll(List.of(args));
    CommandLine.ParseResult parsed = new CommandLine(new Ktp()).parseArgs(
        all.toArray(String[]::new));
    PretrainJob job = parsed.subcommand().commandSpec().commandLine().getCommand();
    Map<String, Object> run = new LinkedHashMap<>();
    run.put("run_id", runId);
    run.put("job", "pretrain");
    run.put("options", job.resumeOption.options());
    run.put("created_at", "2026-12-04T15:30:00Z");
    return new ObjectMapper().writeValueAsString(run);
  }

  static String sha256(Path file) throws IOException {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(Files.readAllBytes(file)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("The JVM has no SHA-256", e);
    }
  }
}
