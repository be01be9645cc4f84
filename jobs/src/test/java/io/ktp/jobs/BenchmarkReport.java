package io.ktp.jobs;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes one benchmark section: to {@code jobs/target/benchmarks/<name>.md} always, and into
 * {@code docs/benchmarks.md} between the markers {@code <!-- ktp-bench:<name> begin -->} and
 * {@code <!-- ktp-bench:<name> end -->} when the system property {@code ktp.benchmark.docs} is
 * true ({@code bin/ktp-bench --update-docs}). Each section states the command, the machine and
 * the date.
 */
final class BenchmarkReport {
  private static final Path DOCS = Path.of("../docs/benchmarks.md");

  private final String name;
  private final String title;
  private final String command;
  private final List<String> lines = new ArrayList<>();

  BenchmarkReport(String name, String title, String command) {
    this.name = name;
    this.title = title;
    this.command = command;
  }

  /** Adds a line of Markdown and echoes it to standard output. */
  void add(String line) {
    lines.add(line);
    System.out.println(line);
  }

  /** Adds a table header. */
  void header(String... columns) {
    add("| " + String.join(" | ", columns) + " |");
    add("|" + "---|".repeat(columns.length));
  }

  /** Adds a table row of a name and repeated measurements: mean +- std and every run. */
  double row(String label, double[] values) {
    double mean = mean(values);
    add("| " + label + " | " + format(mean) + " +- " + format(std(values)) + " | " + runs(values)
        + " |");
    return mean;
  }

  /** Returns every measurement, formatted and separated by commas. */
  static String runs(double[] values) {
    StringBuilder runs = new StringBuilder();
    for (double value : values) {
      runs.append(runs.length() == 0 ? "" : ", ").append(format(value));
    }
    return runs.toString();
  }

  /** Writes the section; returns its text. */
  String write() throws IOException {
    String text = "### " + title + "\n\n"
        + "- Date: " + Instant.now().truncatedTo(ChronoUnit.SECONDS) + "\n"
        + "- Machine: " + machine() + "\n"
        + "- Command: `" + command + "`\n\n"
        + String.join("\n", lines) + "\n";
    Path file = Files.createDirectories(Path.of("target/benchmarks")).resolve(name + ".md");
    Files.writeString(file, text);
    if (Boolean.getBoolean("ktp.benchmark.docs")) {
      splice(text);
    }
    return text;
  }

  private void splice(String text) throws IOException {
    String begin = "<!-- ktp-bench:" + name + " begin -->";
    String end = "<!-- ktp-bench:" + name + " end -->";
    String docs = Files.readString(DOCS);
    int from = docs.indexOf(begin);
    int to = docs.indexOf(end);
    String section = begin + "\n" + text + end;
    String updated = from >= 0 && to > from
        ? docs.substring(0, from) + section + docs.substring(to + end.length())
        : docs.stripTrailing() + "\n\n" + section + "\n";
    Path temporary = DOCS.resolveSibling(".benchmarks.md.tmp");
    Files.writeString(temporary, updated);
    Files.move(temporary, DOCS, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  static String machine() {
    long memory = ((com.sun.management.OperatingSystemMXBean) ManagementFactory
        .getOperatingSystemMXBean()).getTotalMemorySize();
    double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    return String.format(Locale.ROOT, "%d cores, %.0f GiB, %s %s, Java %s, load average %.1f"
        + " at the end, OMP_NUM_THREADS=%s", Runtime.getRuntime().availableProcessors(),
        memory / (double) (1L << 30), System.getProperty("os.name"),
        System.getProperty("os.arch"), System.getProperty("java.version"), load,
        System.getenv("OMP_NUM_THREADS"));
  }

  static double mean(double[] values) {
    double sum = 0;
    for (double value : values) {
      sum += value;
    }
    return sum / values.length;
  }

  static double std(double[] values) {
    if (values.length < 2) {
      return 0;
    }
    double mean = mean(values);
    double squares = 0;
    for (double value : values) {
      squares += (value - mean) * (value - mean);
    }
    return Math.sqrt(squares / (values.length - 1));
  }

  static String format(double value) {
    if (Double.isNaN(value)) {
      return "not reached";
    }
    return Math.abs(value) >= 100 ? String.format(Locale.ROOT, "%,.0f", value)
        : String.format(Locale.ROOT, "%.2f", value);
  }
}
