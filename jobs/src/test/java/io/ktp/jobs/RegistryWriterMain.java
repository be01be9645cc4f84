package io.ktp.jobs;

import io.ktp.io.Workspace;
import io.ktp.model.Manifest;
import io.ktp.model.ModelStore;
import io.ktp.train.Networks;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.LocalFileSystem;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

/**
 * Saves versions of a model from a child JVM, for the registry tests that run several writer
 * processes or kill one mid-save.
 *
 * <p>Arguments: workspace URI, model name, first seed, number of versions, a file this process
 * creates when it is ready, a file it waits for before saving, and a mode: {@code normal};
 * {@code hang-in-model} (writes half of the model file, creates {@code <ready>.paused}, and
 * waits to be killed); or {@code hang-before-rename} (claims the version, creates
 * {@code <ready>.paused} just before the version folder is renamed into place, and waits).
 */
public final class RegistryWriterMain {
  private static final long WAIT_MILLIS = 10 * 60 * 1000;

  private RegistryWriterMain() {
  }

  public static void main(String[] args) throws Exception {
    String mode = args[6];
    Path ready = Path.of(args[4]);
    Configuration conf = new Configuration();
    if (mode.equals("hang-before-rename")) {
      conf.set("fs.file.impl", PausingFileSystem.class.getName());
      conf.setBoolean("fs.file.impl.disable.cache", true);
      System.setProperty(PausingFileSystem.MARKER, ready + ".paused");
    }
    Workspace workspace = Workspace.open(args[0], conf);
    ModelStore store = new ModelStore(workspace);
    long firstSeed = Long.parseLong(args[2]);
    int count = Integer.parseInt(args[3]);
    MultiLayerNetwork[] networks = new MultiLayerNetwork[count];
    for (int i = 0; i < count; i++) {
      networks[i] = network(firstSeed + i);
    }

    Files.createFile(ready);
    waitFor(Path.of(args[5]));
    for (int i = 0; i < count; i++) {
      Manifest manifest = manifest(args[1], firstSeed + i);
      if (mode.equals("hang-in-model")) {
        MultiLayerNetwork network = networks[i];
        store.save(manifest, ModelStore.MODEL_FILE, out -> writeHalfAndHang(network, out, ready));
      } else {
        store.save(networks[i], manifest);
      }
    }
  }

  /** Returns the network that a writer saves for {@code seed}; tests compare parameters. */
  static MultiLayerNetwork network(long seed) {
    return Networks.perceptron(64, new int[] {32, 16}, 10, 1e-3, seed);
  }

  static Manifest manifest(String name, long seed) {
    return new Manifest(name, 0, "pretrain", "2026-12-04T15:30:00Z", seed, null,
        Map.of("--seed", seed), Map.of(), Map.of("validation_accuracy", 0.5), "test");
  }

  private static void writeHalfAndHang(MultiLayerNetwork network, java.io.OutputStream out,
      Path ready) throws IOException {
    ByteArrayOutputStream whole = new ByteArrayOutputStream();
    ModelSerializer.writeModel(network, whole, true);
    out.write(whole.toByteArray(), 0, whole.size() / 2);
    out.flush();
    hang(Path.of(ready + ".paused"));
  }

  static void hang(Path marker) throws IOException {
    Files.createFile(marker);
    try {
      Thread.sleep(WAIT_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    throw new IOException("Not killed within " + WAIT_MILLIS + " ms");
  }

  private static void waitFor(Path file) throws InterruptedException {
    long deadline = System.currentTimeMillis() + WAIT_MILLIS;
    while (!Files.exists(file) && System.currentTimeMillis() < deadline) {
      Thread.sleep(1);
    }
  }

  /**
   * The local file system, except that renaming a hidden {@code _tmp-} folder to a version
   * folder {@code v<N>} creates the marker file named by the system property {@link #MARKER}
   * and waits to be killed: the moment after a save claimed its version and before the version
   * appears.
   */
  public static final class PausingFileSystem extends LocalFileSystem {
    static final String MARKER = "ktp.test.pause.marker";

    @Override
    public boolean rename(org.apache.hadoop.fs.Path source, org.apache.hadoop.fs.Path target)
        throws IOException {
      if (source.getName().startsWith("_tmp-") && target.getName().matches("v\\d+")) {
        hang(Path.of(System.getProperty(MARKER)));
      }
      return super.rename(source, target);
    }
  }
}
