package io.ktp.jobs;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.hdfs.server.datanode.DataNode;

/** An in-process HDFS for tests: one NameNode and one DataNode on the loopback address. */
final class LoopbackHdfs {
  private LoopbackHdfs() {
  }

  /** Starts a cluster that keeps its data under {@code folder} and waits until it is active. */
  static MiniDFSCluster start(Path folder) throws IOException {
    MiniDFSCluster cluster = new MiniDFSCluster.Builder(new Configuration(), folder.toFile())
        .numDataNodes(1).build();
    cluster.waitActive();
    return cluster;
  }

  /**
   * Returns the cluster's root URI with the address 127.0.0.1, because the cluster's own URI
   * names localhost.
   */
  static String root(MiniDFSCluster cluster) {
    return "hdfs://127.0.0.1:" + cluster.getNameNodePort();
  }

  /** Checks that the NameNode and every DataNode listen on a loopback address. */
  static void assertLoopback(MiniDFSCluster cluster) {
    assertTrue(cluster.getNameNode().getNameNodeAddress().getAddress().isLoopbackAddress(),
        "NameNode address " + cluster.getNameNode().getNameNodeAddress());
    for (DataNode dataNode : cluster.getDataNodes()) {
      InetSocketAddress address = dataNode.getXferAddress();
      assertTrue(address.getAddress().isLoopbackAddress(), "DataNode address " + address);
    }
  }
}
