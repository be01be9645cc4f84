package io.ktp.model;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.ktp.cli.UserException;
import io.ktp.io.ExclusiveFiles;
import io.ktp.io.Workspace;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
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
  /** Folder under {@code models/<name>/} with one file per version number ever claimed. */
  public static final String CLAIMS_FOLDER = "claims";
  /** Maximum number of lost races for a version number. Each loss means another save won. */
  private static final int CLAIM_ATTEMPTS = 1000;
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
   *
   * <p>The model file and the manifest are written to a hidden temporary folder, the version
   * number is claimed by creating {@code claims/v<N>} if absent, and the folder is then renamed
   * to {@code v<N>}. Only the writer that created the claim renames to that name, so two writers
   * never share a version, and a reader sees a version whole or not at all. A writer killed after
   * its claim leaves the number unused: numbers can have gaps, and are never reused.
   */
  public Manifest save(Manifest manifest, String fileName, ModelWriter writer)
      throws UserException, IOException {
    Workspace.checkName("model", manifest.name());
    FileSystem fs = workspace.fs();
    Path folder = workspace.models(manifest.name());
    fs.mkdirs(folder);
    Path temporary = new Path(folder, "_tmp-" + java.util.UUID.randomUUID());
    try {
      fs.mkdirs(temporary);
      try (OutputStream out = fs.create(new Path(temporary, fileName), false)) {
        writer.write(out);
      }

      Manifest numbered = manifest.withVersion(claimVersion(manifest.name()));
      try (OutputStream out = fs.create(new Path(temporary, MANIFEST_FILE), false)) {
        JSON.writeValue(out, numbered);
      }
      publish(fs, temporary, versionFolder(manifest.name(), numbered.version()));
      return numbered;
    } finally {
      fs.delete(temporary, true);
    }
  }

  /**
   * Claims the next free version number of a model: one above every version folder and every
   * earlier claim, which the claim file then reserves for this writer alone.
   */
  private int claimVersion(String name) throws IOException {
    FileSystem fs = workspace.fs();
    for (int attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      int candidate = Math.max(latestVersion(name), highestClaim(name)) + 1;
      byte[] record = ("{\"version\": " + candidate + ", \"claimed_at\": \""
          + java.time.Instant.now() + "\"}\n").getBytes(StandardCharsets.UTF_8);
      // A version folder without a claim was saved before claims existed, so its number is taken.
      if (ExclusiveFiles.createIfAbsent(fs, claimFile(name, candidate), record)
          && !fs.exists(versionFolder(name, candidate))) {
        return candidate;
      }
    }
    throw new IOException("Could not claim a new version of model " + name + " after "
        + CLAIM_ATTEMPTS + " attempts: other jobs keep saving it at the same time");
  }

  /**
   * Renames the complete temporary folder to its claimed version folder. Hadoop's rename moves a
   * folder inside an existing target and still returns true, so the result is checked as well.
   */
  private static void publish(FileSystem fs, Path temporary, Path version) throws IOException {
    Path nested = new Path(version, temporary.getName());
    if (fs.exists(version) || !fs.rename(temporary, version) || fs.exists(nested)) {
      fs.delete(nested, true);
      throw new IOException("Could not rename " + temporary + " to " + version + ", a version"
          + " that this save claimed: another program wrote it without claiming it");
    }
  }

  /** Returns the folder of one version of a model. */
  public Path versionFolder(String name, int version) {
    return new Path(workspace.models(name), "v" + version);
  }

  private Path claimFile(String name, int version) {
    return new Path(new Path(workspace.models(name), CLAIMS_FOLDER), "v" + version);
  }

  private int highestClaim(String name) throws IOException {
    List<Integer> claims = numbers(workspace.fs(),
        new Path(workspace.models(name), CLAIMS_FOLDER), VERSION, false);
    return claims.isEmpty() ? 0 : claims.get(claims.size() - 1);
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

  /**
   * Reads the manifest of one version. A UserException names the fix when the version or its
   * manifest is missing or damaged.
   */
  public Manifest manifest(String name, int version) throws UserException, IOException {
    Workspace.checkName("model", name);
    Path folder = versionFolder(name, version);
    if (version <= 0 || !workspace.exists(folder)) {
      throw new UserException("Model '" + name + "' version " + version + " not found under "
          + workspace.models(name) + ": pick an existing version");
    }
    return readManifest(folder, name, version);
  }

  /** Returns the version numbers of a model in ascending order, empty when it has none. */
  public List<Integer> versions(String name) throws IOException {
    return numbers(workspace.fs(), workspace.models(name), VERSION, true);
  }


  /** Returns the names of the models that have at least one version, sorted. */
  public List<String> models() throws IOException {
    Path folder = new Path(workspace.root(), "models");
    List<String> names = new ArrayList<>();
    if (!workspace.exists(folder)) {
      return names;
    }
    for (FileStatus status : workspace.fs().listStatus(folder)) {
      String name = status.getPath().getName();
      if (status.isDirectory() && isModelName(name) && latestVersion(name) > 0) {
        names.add(name);
      }
    }
    Collections.sort(names);
    return names;
  }

  private static boolean isModelName(String name) {
    try {
      Workspace.checkName("model", name);
      return true;
    } catch (UserException e) {
      return false;
    }
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
    List<Integer> numbers = numbers(fs, folder, pattern, true);
    return numbers.isEmpty() ? 0 : numbers.get(numbers.size() - 1);
  }

  /**
   * Returns, in ascending order, the numbers in the names of the subfolders of {@code folder}
   * (or of its files, when {@code directories} is false) that match {@code pattern}, whose group
   * 1 is the number; empty when there is none or the folder is missing.
   */
  static List<Integer> numbers(FileSystem fs, Path folder, Pattern pattern, boolean directories)
      throws IOException {
    List<Integer> numbers = new ArrayList<>();
    if (!fs.exists(folder)) {
      return numbers;
    }
    for (FileStatus status : fs.listStatus(folder)) {
      Matcher matcher = pattern.matcher(status.getPath().getName());
      if (status.isDirectory() == directories && matcher.matches()) {
        numbers.add(Integer.parseInt(matcher.group(1)));
      }
    }
    Collections.sort(numbers);
    return numbers;
  }
}
