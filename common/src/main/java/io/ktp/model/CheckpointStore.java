package io.ktp.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.ktp.cli.UserException;
import io.ktp.io.AtomicOutput;
import io.ktp.io.Workspace;
import io.ktp.train.CurvePoint;
import io.ktp.train.EpochCheckpoints;
import io.ktp.train.TrainingEngine;
import io.ktp.train.TrainingOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-epoch training checkpoints of one run, under {@code checkpoints/<run id>/} of a workspace.
 *
 * <pre>
 * run.json                                   the job and its options, written with the first checkpoint
 * &lt;training&gt;/epoch-&lt;N&gt;/model.zip          parameters, updater state and iteration counts after epoch N
 * &lt;training&gt;/epoch-&lt;N&gt;/curve.json         the training curve of epochs 1 to N
 * &lt;training&gt;/epoch-&lt;N&gt;/checkpoint.json    epoch, seed and training options
 * </pre>
 *
 * <p>Each epoch folder is written under a hidden {@code _tmp-} name and renamed into place, and
 * only then is the previous epoch's folder deleted, so a training always has one complete
 * checkpoint once its first epoch is done. A run started without resume fails when the run
 * already has checkpoints, unless overwrite is set, which deletes them before the first new
 * checkpoint is written. The job deletes the run's checkpoints with {@link #deleteRun()} when it
 * succeeds.
 */
public final class CheckpointStore {
  public static final String RUN_FILE = "run.json";
  public static final String STATE_FILE = "checkpoint.json";
  public static final String CURVE_FILE = "curve.json";

  private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);
  private static final Pattern EPOCH = Pattern.compile("epoch-(\\d{1,9})");
  private static final Pattern TRAINING_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]*");
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT);
  private static final TypeReference<List<CurvePoint>> CURVE = new TypeReference<>() {
  };

  private final Workspace workspace;
  private final String runId;
  private final RunRecord run;
  private final boolean resume;
  private final boolean overwrite;
  private boolean prepared;

  private CheckpointStore(Workspace workspace, String runId, RunRecord run, boolean resume,
      boolean overwrite) {
    this.workspace = workspace;
    this.runId = runId;
    this.run = run;
    this.resume = resume;
    this.overwrite = overwrite;
  }

  /**
   * Opens the checkpoints of run {@code runId} without writing anything. With {@code resume}, the
   * run must have checkpoints from the same job with the same options; without it, the run must
   * have none unless {@code overwrite} is set.
   *
   * @param options every option of the job that changes its results, by option name
   */
  public static CheckpointStore open(Workspace workspace, String runId, String job,
      Map<String, String> options, boolean resume, boolean overwrite)
      throws UserException, IOException {
    RunRecord run = new RunRecord(runId, job, new TreeMap<>(options),
        Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    CheckpointStore store = new CheckpointStore(workspace, runId, run, resume, overwrite);
    Path runFile = new Path(workspace.checkpoints(runId), RUN_FILE);
    if (resume) {
      if (!workspace.exists(runFile)) {
        throw new UserException("Run '" + runId + "' has no checkpoints under "
            + workspace.checkpoints(runId) + ": check --run-id (it must be the id of the"
            + " interrupted run) or start the run without --resume");
      }
      store.checkSameRun(store.readJson(runFile, RunRecord.class));
    } else if (workspace.exists(runFile) && !overwrite) {
      throw new UserException("Run '" + runId + "' already has checkpoints under "
          + workspace.checkpoints(runId) + ": pass --resume to continue it, --overwrite to start"
          + " it again, or choose another --run-id");
    }
    return store;
  }

  /** Returns true when this run continues from the checkpoints of an interrupted run. */
  public boolean resuming() {
    return resume;
  }

  /** Returns the checkpoints of one training of this run; {@code name} is one path segment. */
  public EpochCheckpoints training(String name, TrainingOptions options) {
    if (!TRAINING_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("Invalid training name '" + name + "': use lower-case"
          + " letters, digits, '-' and '_', starting with a letter or digit");
    }
    return new Training(name, options);
  }

  /** Deletes every checkpoint of this run; the job calls it once all its outputs are written. */
  public void deleteRun() throws IOException {
    Path folder = workspace.checkpoints(runId);
    if (workspace.exists(folder)) {
      workspace.fs().delete(folder, true);
      LOG.info("Deleted the checkpoints of run {} at {}", runId, folder);
    }
  }

  private void checkSameRun(RunRecord saved) throws UserException {
    if (!run.job().equals(saved.job())) {
      throw new UserException("Run '" + runId + "' was started by 'ktp " + saved.job()
          + "', not 'ktp " + run.job() + "': resume it with 'ktp " + saved.job() + "'");
    }
    Map<String, String> savedOptions = saved.options() == null ? Map.of() : saved.options();
    for (Map.Entry<String, String> option : run.options().entrySet()) {
      String before = savedOptions.get(option.getKey());
      if (!Objects.equals(before, option.getValue())) {
        throw new UserException("Invalid value " + option.getValue() + " for "
            + option.getKey() + " with --resume: run '" + runId + "' was started with "
            + before + "; resume with the options of the interrupted run");
      }
    }
  }

  /** Deletes what a replaced run left and records this run; runs before the first checkpoint. */
  private void prepare() throws IOException {
    if (prepared) {
      return;
    }
    FileSystem fs = workspace.fs();
    Path folder = workspace.checkpoints(runId);
    if (!resume && workspace.exists(folder)) {
      fs.delete(folder, true);
      LOG.info("Deleted the checkpoints of the earlier run {} at {} (--overwrite)", runId, folder);
    }
    Path runFile = new Path(folder, RUN_FILE);
    if (!workspace.exists(runFile)) {
      AtomicOutput output = AtomicOutput.replacing(fs, runFile);
      try {
        writeJson(fs, output.path(), run);
        output.commit();
      } finally {
        output.abort();
      }
    }
    prepared = true;
  }

  private <T> T readJson(Path file, Class<T> type) throws UserException, IOException {
    try (InputStream in = workspace.fs().open(file)) {
      return JSON.readValue(in, type);
    } catch (JsonProcessingException e) {
      throw damaged(file, e);
    }
  }

  private UserException damaged(Path file, JsonProcessingException e) {
    return new UserException("Checkpoint file " + file + " is not valid ("
        + ModelStore.describe(e) + "): " + fixDamaged());
  }

  private String fixDamaged() {
    return "delete " + workspace.checkpoints(runId) + " and run without --resume, or pass"
        + " --overwrite to start the run again";
  }

  private static void writeJson(FileSystem fs, Path file, Object value) throws IOException {
    try (OutputStream out = fs.create(file, false)) {
      JSON.writeValue(out, value);
    }
  }

  /**
   * The content of {@code run.json}.
   *
   * @param runId the run's id
   * @param job the job that started the run
   * @param options the job's options, by option name
   * @param createdAt when the first checkpoint was written, ISO-8601 UTC
   */
  record RunRecord(
      @JsonProperty("run_id") String runId,
      @JsonProperty("job") String job,
      @JsonProperty("options") Map<String, String> options,
      @JsonProperty("created_at") String createdAt) {
  }

  /**
   * The content of {@code checkpoint.json}. The random state of the next epoch is the seed and
   * the epoch number, because every random choice of an epoch derives from both.
   *
   * @param training the training's name
   * @param epoch the last complete epoch
   * @param seed the training seed
   * @param epochs the epochs the training runs in total
   * @param batchSize examples per minibatch
   * @param averagingFrequency minibatches between two parameter averages
   * @param workers parallel training tasks
   * @param learningRate Adam's step size
   * @param parameters the network's parameter count
   * @param codeVersion KTP version that wrote it
   * @param trainer the training engine's option name; absent in checkpoints written before
   *     there was a choice, which DL4J's engine wrote
   */
  record CheckpointState(
      @JsonProperty("training") String training,
      @JsonProperty("epoch") int epoch,
      @JsonProperty("seed") long seed,
      @JsonProperty("epochs") int epochs,
      @JsonProperty("batch_size") int batchSize,
      @JsonProperty("averaging_frequency") int averagingFrequency,
      @JsonProperty("workers") int workers,
      @JsonProperty("learning_rate") double learningRate,
      @JsonProperty("parameters") long parameters,
      @JsonProperty("code_version") String codeVersion,
      @JsonProperty("trainer") String trainer) {

    TrainingOptions options() {
      TrainingEngine engine = trainer == null ? TrainingEngine.DL4J
          : java.util.Arrays.stream(TrainingEngine.values())
              .filter(candidate -> candidate.optionName().equals(trainer))
              .findFirst().orElse(null);
      return new TrainingOptions(epochs, batchSize, averagingFrequency, workers, learningRate,
          seed, engine);
    }
  }

  /** The checkpoints of one training: one folder per epoch, the latest kept. */
  private final class Training implements EpochCheckpoints {
    private final String name;
    private final TrainingOptions options;
    private final Path folder;

    Training(String name, TrainingOptions options) {
      this.name = name;
      this.options = options;
      this.folder = new Path(workspace.checkpoints(runId), name);
    }

    @Override
    public List<CurvePoint> restore(MultiLayerNetwork network) throws UserException, IOException {
      if (!resume) {
        return List.of();
      }
      int epoch = latestEpoch();
      if (epoch == 0) {
        LOG.info("Training {} of run {} has no checkpoint; it starts at epoch 1", name, runId);
        return List.of();
      }
      Path epochFolder = new Path(folder, "epoch-" + epoch);
      CheckpointState state = readJson(new Path(epochFolder, STATE_FILE), CheckpointState.class);
      checkOptions(epochFolder, state);
      MultiLayerNetwork saved = ModelArchive.load(workspace.fs(),
          new Path(epochFolder, ModelStore.MODEL_FILE), 0, 0, fixDamaged());
      NetworkState.checkSameShape(saved, network, epochFolder, fixDamaged());
      List<CurvePoint> curve = readCurve(epochFolder, epoch);
      NetworkState.copy(saved, network);
      LOG.info("Resuming training {} of run {} after epoch {} of {} from {}", name, runId, epoch,
          options.epochs(), epochFolder);
      return curve;
    }

    @Override
    public void save(MultiLayerNetwork network, List<CurvePoint> curve) throws IOException {
      prepare();
      FileSystem fs = workspace.fs();
      int epoch = curve.get(curve.size() - 1).epoch();
      CheckpointState state = new CheckpointState(name, epoch, options.seed(), options.epochs(),
          options.batchSize(), options.averagingFrequency(), options.workers(),
          options.learningRate(), network.numParams(), io.ktp.report.Provenance.codeVersion(),
          options.engine().optionName());
      AtomicOutput output = AtomicOutput.replacing(fs, new Path(folder, "epoch-" + epoch));
      try {
        fs.mkdirs(output.path());
        try (OutputStream out = fs.create(new Path(output.path(), ModelStore.MODEL_FILE), false)) {
          ModelSerializer.writeModel(network, out, true);
        }
        writeJson(fs, new Path(output.path(), CURVE_FILE), curve);
        writeJson(fs, new Path(output.path(), STATE_FILE), state);
        output.commit();
      } finally {
        output.abort();
      }
      deleteOtherEpochs(epoch);
    }

    private int latestEpoch() throws IOException {
      return ModelStore.highestNumber(workspace.fs(), folder, EPOCH);
    }

    private void deleteOtherEpochs(int keep) throws IOException {
      for (FileStatus status : workspace.fs().listStatus(folder)) {
        String entry = status.getPath().getName();
        Matcher matcher = EPOCH.matcher(entry);
        boolean olderEpoch = matcher.matches() && Integer.parseInt(matcher.group(1)) != keep;
        if (olderEpoch || entry.startsWith("_tmp-") || entry.startsWith("_old-")) {
          workspace.fs().delete(status.getPath(), true);
        }
      }
    }

    private void checkOptions(Path epochFolder, CheckpointState state) throws UserException {
      if (!name.equals(state.training()) || !options.equals(state.options())) {
        throw new UserException("Checkpoint " + epochFolder + " was written with "
            + describe(state.options()) + ", but this run trains " + name + " with "
            + describe(options) + ": resume with the options and --master of the interrupted"
            + " run, or pass --overwrite to start the run again");
      }
    }

    private List<CurvePoint> readCurve(Path epochFolder, int epoch)
        throws UserException, IOException {
      Path file = new Path(epochFolder, CURVE_FILE);
      List<CurvePoint> curve;
      try (InputStream in = workspace.fs().open(file)) {
        curve = JSON.readValue(in, CURVE);
      } catch (JsonProcessingException e) {
        throw damaged(file, e);
      }
      boolean complete = curve != null && curve.size() == epoch;
      for (int i = 0; complete && i < curve.size(); i++) {
        complete = curve.get(i) != null && curve.get(i).epoch() == i + 1;
      }
      if (!complete) {
        throw new UserException("Checkpoint file " + file + " does not hold the curve points of"
            + " epochs 1 to " + epoch + ": " + fixDamaged());
      }
      return curve;
    }
  }

  private static String describe(TrainingOptions options) {
    return "--epochs " + options.epochs() + ", --batch-size " + options.batchSize()
        + ", --averaging-frequency " + options.averagingFrequency() + ", --workers "
        + options.workers() + ", --learning-rate " + options.learningRate() + ", --trainer "
        + options.engine() + ", seed " + options.seed();
  }
}
