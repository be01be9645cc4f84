package io.ktp.model;

import io.ktp.cli.UserException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import org.apache.hadoop.fs.ChecksumException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.wrapper.BaseWrapperLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Checks a DL4J model archive (a {@code model.zip} written by {@link ModelSerializer}) before
 * DL4J reads it, and restores the network from the checked bytes.
 *
 * <p>The checks, in order: the file has at most {@value #MAX_ARCHIVE_BYTES} bytes; every entry
 * name is relative and stays inside the archive folder (no {@code ..} segment, no absolute path)
 * and is one that {@code ModelSerializer} writes; {@code configuration.json} inflates to at most
 * {@value #MAX_CONFIGURATION_BYTES} bytes and all entries together to at most
 * {@value #MAX_ARCHIVE_BYTES}, counted while inflating, so a zip bomb stops at the limit; the
 * configuration parses as a {@link MultiLayerConfiguration} whose first layer takes the expected
 * input size and whose last layer is an output layer of the expected size; the parameter entry has
 * the size that the configuration implies; and after restoring, every parameter is finite.
 */
public final class ModelArchive {
  /** Upper bound on {@code configuration.json}, inflated. */
  public static final long MAX_CONFIGURATION_BYTES = 16L << 20;
  /**
   * Upper bound on the archive file and on all its entries inflated. At 4-byte parameters with
   * Adam's two moments that is about 89 million parameters; DL4J reads each entry into one Java
   * array, which cannot exceed 2 GiB anyway.
   */
  public static final long MAX_ARCHIVE_BYTES = 1L << 30;

  private static final Set<String> KNOWN_ENTRIES = Set.of(ModelSerializer.CONFIGURATION_JSON,
      ModelSerializer.COEFFICIENTS_BIN, ModelSerializer.UPDATER_BIN,
      ModelSerializer.NORMALIZER_BIN, ModelSerializer.PREPROCESSOR_BIN,
      ModelSerializer.NO_PARAMS_MARKER);
  /** Room for the array header that ND4J writes before the parameter values. */
  private static final long ARRAY_HEADER_BYTES = 64L << 10;
  private static final int MESSAGE_DETAIL = 160;

  private final Path file;
  private final String fix;
  private final long maxBytes;

  ModelArchive(Path file, String fix, long maxBytes) {
    this.file = file;
    this.fix = fix;
    this.maxBytes = maxBytes;
  }

  /**
   * Checks the archive at {@code file} and returns its network with the updater state.
   *
   * @param inputs the input size the first layer must take, or 0 to accept any
   * @param outputs the size the output layer must have, or 0 to accept any
   * @param fix what the user can do, appended to every error message
   */
  public static MultiLayerNetwork load(FileSystem fs, Path file, int inputs, int outputs,
      String fix) throws UserException, IOException {
    return new ModelArchive(file, fix, MAX_ARCHIVE_BYTES).load(fs, inputs, outputs);
  }

  MultiLayerNetwork load(FileSystem fs, int inputs, int outputs)
      throws UserException, IOException {
    byte[] bytes = readFile(fs);
    Contents contents = readEntries(bytes);
    MultiLayerConfiguration configuration = parse(contents.configuration());
    checkShape(configuration, inputs, outputs);
    checkParameterSize(configuration, contents.coefficientBytes());
    return restore(bytes);
  }

  private byte[] readFile(FileSystem fs) throws UserException, IOException {
    long length = fs.getFileStatus(file).getLen();
    if (length > maxBytes) {
      throw error("has " + length + " bytes, more than the limit of " + maxBytes);
    }
    try (InputStream in = fs.open(file)) {
      return in.readNBytes((int) length);
    } catch (ChecksumException e) {
      throw error("does not match its Hadoop checksum file (." + file.getName() + ".crc), so it"
          + " changed after it was written");
    }
  }

  /** The configuration text and the inflated size of the parameter entry. */
  private record Contents(String configuration, long coefficientBytes) {
  }

  private Contents readEntries(byte[] bytes) throws UserException, IOException {
    String configuration = null;
    long coefficientBytes = -1;
    long total = 0;
    Set<String> seen = new HashSet<>();
    try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(bytes))) {
      for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
        String name = checkName(entry.getName());
        if (!seen.add(name)) {
          throw error("contains entry " + name + " twice");
        }
        if (name.equals(ModelSerializer.CONFIGURATION_JSON)) {
          byte[] text = inflate(zip, name, Math.min(MAX_CONFIGURATION_BYTES, maxBytes - total));
          configuration = new String(text, StandardCharsets.UTF_8);
          total += text.length;
        } else {
          long size = skip(zip, name, maxBytes - total);
          coefficientBytes = name.equals(ModelSerializer.COEFFICIENTS_BIN) ? size
              : coefficientBytes;
          total += size;
        }
      }
    } catch (ZipException | EOFException e) {
      throw error("is truncated or not a zip archive (" + detail(e) + ")");
    }
    if (configuration == null) {
      throw error("has no " + ModelSerializer.CONFIGURATION_JSON + ", so it is not a DL4J model"
          + " archive");
    }
    if (coefficientBytes < 0 && !seen.contains(ModelSerializer.NO_PARAMS_MARKER)) {
      throw error("has no " + ModelSerializer.COEFFICIENTS_BIN + ", so it contains no parameters");
    }
    return new Contents(configuration, Math.max(coefficientBytes, 0));
  }

  private String checkName(String name) throws UserException {
    boolean escapes = name.isEmpty() || name.startsWith("/") || name.contains("\\")
        || name.contains(":") || name.indexOf('\0') >= 0
        || List.of(name.split("/")).contains("..");
    if (escapes) {
      throw error("contains entry '" + name + "', whose path leaves the archive folder");
    }
    if (!KNOWN_ENTRIES.contains(name)) {
      throw error("contains entry '" + name + "', which DL4J's ModelSerializer does not write");
    }
    return name;
  }

  private byte[] inflate(InputStream zip, String name, long limit)
      throws UserException, IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[1 << 16];
    for (int read = zip.read(buffer); read >= 0; read = zip.read(buffer)) {
      out.write(buffer, 0, read);
      if (out.size() > limit) {
        throw tooLarge(name, limit);
      }
    }
    return out.toByteArray();
  }

  private long skip(InputStream zip, String name, long limit) throws UserException, IOException {
    byte[] buffer = new byte[1 << 16];
    long size = 0;
    for (int read = zip.read(buffer); read >= 0; read = zip.read(buffer)) {
      size += read;
      if (size > limit) {
        throw tooLarge(name, limit);
      }
    }
    return size;
  }

  private UserException tooLarge(String name, long limit) {
    return error("entry " + name + " inflates to more than " + limit + " bytes, the limit for"
        + " what is left of the archive");
  }

  private MultiLayerConfiguration parse(String json) throws UserException {
    try {
      MultiLayerConfiguration configuration = MultiLayerConfiguration.fromJson(json);
      if (configuration == null || configuration.getConfs() == null
          || configuration.getConfs().isEmpty()) {
        throw error("has a configuration with no layers");
      }
      return configuration;
    } catch (RuntimeException e) {
      throw error("has a configuration.json that is not a DL4J MultiLayerNetwork configuration ("
          + detail(e) + ")");
    }
  }

  private void checkShape(MultiLayerConfiguration configuration, int inputs, int outputs)
      throws UserException {
    List<NeuralNetConfiguration> layers = configuration.getConfs();
    Layer first = unwrap(layers.get(0).getLayer());
    Layer last = unwrap(layers.get(layers.size() - 1).getLayer());
    if (!(first instanceof FeedForwardLayer input)) {
      throw error("starts with a " + first.getClass().getSimpleName() + " layer; KTP networks"
          + " start with a dense layer");
    }
    if (!(last instanceof BaseOutputLayer output)) {
      throw error("ends with a " + last.getClass().getSimpleName() + " layer, not an output"
          + " layer");
    }
    if (inputs > 0 && input.getNIn() != inputs) {
      throw error("is a network for " + input.getNIn() + " input features, but the data has "
          + inputs);
    }
    if (outputs > 0 && output.getNOut() != outputs) {
      throw error("is a network with " + output.getNOut() + " outputs, but the data has "
          + outputs + " classes");
    }
  }

  private void checkParameterSize(MultiLayerConfiguration configuration, long coefficientBytes)
      throws UserException {
    long parameters = 0;
    for (NeuralNetConfiguration layer : configuration.getConfs()) {
      parameters += layer.getLayer().initializer().numParams(layer);
    }
    // ND4J stores each value in 2 (half precision) to 8 (double) bytes after a short header.
    if (coefficientBytes < 2 * parameters || coefficientBytes > 8 * parameters
        + ARRAY_HEADER_BYTES) {
      throw error("contains " + coefficientBytes + " bytes of parameters, but its configuration"
          + " has " + parameters + " parameters");
    }
  }

  private MultiLayerNetwork restore(byte[] bytes) throws UserException {
    MultiLayerNetwork network;
    try {
      network = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(bytes), true);
    } catch (IOException | RuntimeException e) {
      throw error("is not a readable DL4J network (" + detail(e) + ")");
    }
    INDArray parameters = network.params();
    if (parameters.isNaN().any() || parameters.isInfinite().any()) {
      throw error("has NaN or infinite parameters, so training diverged");
    }
    return network;
  }

  private static Layer unwrap(Layer layer) {
    if (layer instanceof FrozenLayer frozen) {
      return unwrap(frozen.getLayer());
    }
    if (layer instanceof BaseWrapperLayer wrapper) {
      return unwrap(wrapper.getUnderlying());
    }
    return layer;
  }

  private UserException error(String problem) {
    return new UserException("Model file " + file + " " + problem + ": " + fix);
  }

  /**
   * Returns the first line of an exception's message for a one-line error, without a leading
   * exception class name or the parser's echo of its input, and shortened.
   */
  private static String detail(Exception e) {
    String line = String.valueOf(e.getMessage()).strip().lines().findFirst().orElse("").strip()
        .replaceFirst("^([a-z][a-z0-9_]*\\.)+[A-Z]\\w*: ", "");
    for (String echo : new String[] {" (start marker at", " at [Source:"}) {
      int start = line.indexOf(echo);
      line = start < 0 ? line : line.substring(0, start);
    }
    return line.length() <= MESSAGE_DETAIL ? line : line.substring(0, MESSAGE_DETAIL) + "...";
  }
}
