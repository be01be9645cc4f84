package io.ktp.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates the SparkSession that KTP jobs run in, with the settings they rely on. */
public final class SparkSessions {
  /** Spark's master URL; set by spark-submit, else by the job's --master option. */
  public static final String MASTER = "spark.master";
  /** Address the driver advertises to executors; loopback in local mode so nothing listens outside. */
  public static final String DRIVER_HOST = "spark.driver.host";
  /** Address the driver's RPC and block manager bind to. */
  public static final String DRIVER_BIND_ADDRESS = "spark.driver.bindAddress";
  /** Whether the Spark web UI starts; off unless the user turns it on. */
  public static final String UI_ENABLED = "spark.ui.enabled";
  /** Partitions for SQL shuffles; Spark's 200 is far too many for KTP's table sizes in local mode. */
  public static final String SHUFFLE_PARTITIONS = "spark.sql.shuffle.partitions";
  /** Hadoop's scratch folder; DL4J writes exported minibatches below it and never deletes them. */
  public static final String HADOOP_TMP_DIR = "spark.hadoop.hadoop.tmp.dir";

  private static final Logger LOG = LoggerFactory.getLogger(SparkSessions.class);

  private SparkSessions() {
  }

  /**
   * Returns a session for {@code appName}, reusing an active one (the pipeline and notebooks share
   * one session between jobs). Settings already present in the Spark configuration, such as those
   * from spark-submit or spark-defaults.conf, win over KTP's defaults.
   */
  public static SparkSession getOrCreate(String appName, String defaultMaster) {
    SparkConf conf = new SparkConf();
    conf.setIfMissing(MASTER, defaultMaster);
    conf.setIfMissing("spark.app.name", appName);
    conf.setIfMissing(UI_ENABLED, "false");
    if (conf.get(MASTER).startsWith("local")) {
      conf.setIfMissing(DRIVER_HOST, "127.0.0.1");
      conf.setIfMissing(DRIVER_BIND_ADDRESS, "127.0.0.1");
      conf.setIfMissing(SHUFFLE_PARTITIONS, "8");
    }
    conf.setIfMissing(HADOOP_TMP_DIR, scratchFolder().toString());
    SparkSession session = SparkSession.builder().config(conf).getOrCreate();
    LOG.info("Spark {} on master {} with default parallelism {}", session.version(),
        session.sparkContext().master(), session.sparkContext().defaultParallelism());
    return session;
  }

  private static Path scratchFolder() {
    try {
      Path folder = Files.createTempDirectory("ktp-hadoop-tmp-");
      Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(folder)));
      return folder;
    } catch (IOException e) {
      throw new IllegalStateException("Cannot create a temporary folder for Hadoop", e);
    }
  }

  private static void deleteQuietly(Path folder) {
    try (Stream<Path> paths = Files.walk(folder)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      LOG.warn("Could not delete temporary folder {}: {}", folder, e.toString());
    }
  }
}
