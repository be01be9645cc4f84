package io.ktp.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.ktp.cli.UserException;
import io.ktp.io.Workspace;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

/**
 * Saves and loads model versions under {@code models/<name>/v<N>/} of a workspace.
 *
 * <p>A version is written to a hidden temporary folder and renamed into place, so a reader never
 * sees a version without its manifest. Versions are never overwritten: saving again creates the
 * next version.
 */
public final class ModelStore {
  public static final String MODEL_FILE = "model.zip";
  public static final String MANIFEST_FILE = "manifest.json";
  private static final Pattern VERSION = Pattern.compile("v(\\d{1,9})");
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT);
  private static final int RENAME_ATTEMPTS = 5;

  private final Workspace workspace;

  public ModelStore(Workspace workspace) {
    this.workspace = workspace;
  }

  /** Saves {@code network} as the next version of its model and returns the stored manifest. */
  public Manifest save(MultiLayerNetwork network, Manifest manifest)
      throws UserException, IOException {
    Workspace.checkName("model", manifest.name());
    FileSystem fs = workspace.fs();
    Path folder = workspace.models(manifest.name());
    fs.mkdirs(folder);
    Path temporary = new Path(folder, "_tmp-" + java.util.UUID.randomUUID());
    try {
      for (int attempt = 0; attempt < RENAME_ATTEMPTS; attempt++) {
        Manifest numbered = manifest.withVersion(latestVersion(manifest.name()) + 1);
        writeVersion(fs, temporary, network, numbered);
        if (fs.rename(temporary, new Path(folder, "v" + numbered.version()))) {
          return numbered;
        }
        fs.delete(temporary, true);
      }
      throw new IOException("Could not claim a new version of model " + manifest.name()
          + " after " + RENAME_ATTEMPTS + " attempts: another job is saving it");
    } finally {
      fs.delete(temporary, true);
    }
  }

  /** Loads a version; {@code version <= 0} loads the latest. */
  public StoredModel load(String name, int version) throws UserException, IOException {
    Workspace.checkName("model", name);
    int chosen = version > 0 ? version : latestVersion(name);
    Path folder = new Path(workspace.models(name), "v" + chosen);
    if (chosen == 0 || !workspace.exists(folder)) {
      throw new UserException("Model '" + name + "'" + (version > 0 ? " version " + version : "")
          + " not found under " + workspace.models(name)
          + ": train it first (for example with 'ktp pretrain') or pick an existing version");
    }
    FileSystem fs = workspace.fs();
    Manifest manifest;
    try (InputStream in = fs.open(new Path(folder, MANIFEST_FILE))) {
      manifest = JSON.readValue(in, Manifest.class);
    }
    try (InputStream in = fs.open(new Path(folder, MODEL_FILE))) {
      return new StoredModel(ModelSerializer.restoreMultiLayerNetwork(in, true), manifest);
    } catch (RuntimeException e) {
      throw new UserException("Model file " + new Path(folder, MODEL_FILE)
          + " is not a readable DL4J network (" + e.getMessage() + "): train the model again", e);
    }
  }

  /** Returns the highest version number of a model, or 0 when it has none. */
  public int latestVersion(String name) throws IOException {
    Path folder = workspace.models(name);
    if (!workspace.exists(folder)) {
      return 0;
    }
    int latest = 0;
    for (FileStatus status : workspace.fs().listStatus(folder)) {
      Matcher matcher = VERSION.matcher(status.getPath().getName());
      if (status.isDirectory() && matcher.matches()) {
        latest = Math.max(latest, Integer.parseInt(matcher.group(1)));
      }
    }
    return latest;
  }

  private static void writeVersion(FileSystem fs, Path folder, MultiLayerNetwork network,
      Manifest manifest) throws IOException {
    fs.delete(folder, true);
    fs.mkdirs(folder);
    try (OutputStream out = fs.create(new Path(folder, MODEL_FILE))) {
      ModelSerializer.writeModel(network, out, true);
    }
    try (OutputStream out = fs.create(new Path(folder, MANIFEST_FILE))) {
      JSON.writeValue(out, manifest);
    }
  }
}
