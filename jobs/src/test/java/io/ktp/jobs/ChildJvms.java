package io.ktp.jobs;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Starts child JVMs with the test class path and the flags that bin/ktp passes. */
final class ChildJvms {
  private ChildJvms() {
  }

  /**
   * Returns the command that runs {@code mainClass} in a child JVM with a 1 GiB heap; the caller
   * appends the program arguments.
   */
  static List<String> command(Class<?> mainClass, Path hadoopTmp) {
    String opens = System.getProperty("ktp.child.jvm.opens");
    String cacheDir = System.getProperty("org.bytedeco.javacpp.cachedir");
    assertNotNull(opens, "system property ktp.child.jvm.opens, which Surefire sets");
    assertNotNull(cacheDir, "system property org.bytedeco.javacpp.cachedir");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx1g");
    command.addAll(List.of(opens.trim().split("\\s+")));
    command.add("-Djava.awt.headless=true");
    command.add("-Dorg.bytedeco.javacpp.cachedir=" + cacheDir);
    command.add("-Dspark.hadoop.hadoop.tmp.dir=" + hadoopTmp);
    command.add("-cp");
    command.add(System.getProperty("surefire.test.class.path",
        System.getProperty("java.class.path")));
    command.add(mainClass.getName());
    return command;
  }

  /** Starts {@code command}, writing its standard output and error to {@code log}. */
  static Process start(List<String> command, Path log) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().put("OMP_NUM_THREADS", "1");
    builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    return builder.start();
  }
}
