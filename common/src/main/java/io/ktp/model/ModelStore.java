package io.ktp.model;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.ktp.cli.UserException;
import io.ktp.io.Workspace;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.ChecksumException;
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
  /** Key in a manifest's {@code config} of the run that saved the version. */
  public static final String RUN_ID_KEY = "--run-id";
  private static final Pattern VERSION = Pattern.compile("v(\\d{1,9})");
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT);
  private static final int RENAME_ATTEMPTS = 5;
  private static final long MAX_MANIFEST_BYTES = 16L << 20;

  private final Workspace workspace;

  public ModelStore(Workspace workspace) {
    this.workspace = workspace;
  }

  /** Writes a model file's content to a stream, which the caller closes. */
  @FunctionalInterface
  public interface ModelWriter {
    void write(OutputStream out) throws IOException;
  }

  /** Saves {@code network} as the next version of its model and returns the stored manifest. */
  public Manifest save(MultiLayerNetwork network, Manifest manifest)
      throws UserException, IOException {
    return save(manifest, MODEL_FILE, out -> ModelSerializer.writeModel(network, out, true));
  }

  /**
   * Saves a model in another format, such as an int8 model, as the next version of its model:
   * {@code writer} writes the file {@code fileName} beside the manifest. {@link #load} reads only
   * DL4J archives, so such versions are read with their own reader.
   */
  public Manifest save(Manifest manifest, String fileName, ModelWriter writer)
      throws UserException, IOException {
    Workspace.checkName("model", manifest.name());
    FileSystem fs = workspace.fs();
    Path folder = workspace.models(manifest.name());
    fs.mkdirs(folder);
    Path temporary = new Path(folder, "_tmp-" + java.util.UUID.randomUUID());
    try {
      for (int attempt = 0; attempt < RENAME_ATTEMPTS; attempt++) {
        Manifest numbered = manifest.withVersion(latestVersion(manifest.name()) + 1);
        writeVersion(fs, temporary, fileName, writer, numbered);
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
    return load(name, version, 0, 0);
  }

  /**
   * Loads a version as {@link #load(String, int)}, after checking its archive with
   * {@link ModelArchive}: the network must take {@code inputs} features and have {@code outputs}
   * outputs (0 accepts any size).
   */
  public StoredModel load(String name, int version, int inputs, int outputs)
      throws UserException, IOException {
    Workspace.checkName("model", name);
    int chosen = version > 0 ? version : latestVersion(name);
    Path folder = new Path(workspace.models(name), "v" + chosen);
    if (chosen == 0 || !workspace.exists(folder)) {
      throw new UserException("Model '" + name + "'" + (version > 0 ? " version " + version : "")
          + " not found under " + workspace.models(name)
          + ": train it first (for example with 'ktp pretrain') or pick an existing version");
    }
    Manifest manifest = readManifest(folder, name, chosen);
    MultiLayerNetwork network = ModelArchive.load(workspace.fs(), new Path(folder, MODEL_FILE),
        inputs, outputs, "train the model again, or delete " + folder + " if it is damaged");
    return new StoredModel(network, manifest);
  }

  /**
   * Returns the manifest of the version of {@code name} that run {@code runId} saved for
   * {@code job} with {@code seed}, or null when that run saved none. A resumed run uses it to
   * find the models that the interrupted run already saved.
   */
  public Manifest findSaved(String name, String job, long seed, String runId)
      throws UserException, IOException {
    for (int version = latestVersion(name); version > 0; version--) {
      Path folder = new Path(workspace.models(name), "v" + version);
      if (!workspace.exists(folder)) {
        continue;
      }
      Manifest manifest = readManifest(folder, name, version);
      boolean sameRun = manifest.config() != null
          && runId.equals(manifest.config().get(RUN_ID_KEY));
      if (sameRun && job.equals(manifest.job()) && manifest.seed() == seed) {
        return manifest;
      }
    }
    return null;
  }

  private Manifest readManifest(Path folder, String name, int version)
      throws UserException, IOException {
    Path file = new Path(folder, MANIFEST_FILE);
    String fix = "restore the version folder or delete " + folder + " and train the model again";
    if (!workspace.exists(file)) {
      throw new UserException("Model version " + folder + " has no " + MANIFEST_FILE + ": "
          + fix);
    }
    long length = workspace.fs().getFileStatus(file).getLen();
    if (length > MAX_MANIFEST_BYTES) {
      throw new UserException("Manifest " + file + " has " + length + " bytes, more than the"
          + " limit of " + MAX_MANIFEST_BYTES + ": " + fix);
    }
    Manifest manifest;
    try (InputStream in = workspace.fs().open(file)) {
      manifest = JSON.readValue(in, Manifest.class);
    } catch (JsonProcessingException e) {
      throw new UserException("Manifest " + file + " is not a valid KTP manifest ("
          + describe(e) + "): " + fix, e);
    } catch (ChecksumException e) {
      throw new UserException("Manifest " + file + " does not match its Hadoop checksum file"
          + " (.manifest.json.crc), so it changed after it was written: " + fix, e);
    }
    if (manifest == null || !name.equals(manifest.name()) || manifest.version() != version) {
      String found = manifest == null ? "nothing" : "model '" + manifest.name() + "' v"
          + manifest.version();
      throw new UserException("Manifest " + file + " describes " + found + ", not '" + name
          + "' v" + version + ": " + fix);
    }
    return manifest;
  }

  /**
   * Returns a JSON error as one short line, the problem and its line and column, without the
   * parser's name for its input stream.
   */
  static String describe(JsonProcessingException e) {
    String problem = String.valueOf(e.getOriginalMessage()).lines().findFirst().orElse("")
        .strip();
    int marker = problem.indexOf(" (start marker at");
    if (marker >= 0) {
      problem = problem.substring(0, marker);
    }
    JsonLocation where = e.getLocation();
    return where == null ? problem
        : problem + " at line " + where.getLineNr() + ", column " + where.getColumnNr();
  }

  /** Returns the highest version number of a model, or 0 when it has none. */
  public int latestVersion(String name) throws IOException {
    return highestNumber(workspace.fs(), workspace.models(name), VERSION);
  }

  /**
   * Returns the highest number among the subfolders of {@code folder} whose names match
   * {@code pattern}, whose group 1 is the number; 0 when there is none or the folder is missing.
   */
  static int highestNumber(FileSystem fs, Path folder, Pattern pattern) throws IOException {
    if (!fs.exists(folder)) {
      return 0;
    }
    int highest = 0;
    for (FileStatus status : fs.listStatus(folder)) {
      Matcher matcher = pattern.matcher(status.getPath().getName());
      if (status.isDirectory() && matcher.matches()) {
        highest = Math.max(highest, Integer.parseInt(matcher.group(1)));
      }
    }
    return highest;
  }

  private static void writeVersion(FileSystem fs, Path folder, String fileName,
      ModelWriter writer, Manifest manifest) throws IOException {
    fs.delete(folder, true);
    fs.mkdirs(folder);
    try (OutputStream out = fs.create(new Path(folder, fileName))) {
      writer.write(out);
    }
    try (OutputStream out = fs.create(new Path(folder, MANIFEST_FILE))) {
      JSON.writeValue(out, manifest);
    }
  }
}
