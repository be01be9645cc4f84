package io.ktp.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ktp.cli.UserException;
import io.ktp.io.Workspace;
import io.ktp.train.CurvePoint;
import io.ktp.train.EpochCheckpoints;
import io.ktp.train.Networks;
import io.ktp.train.TrainingOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

class CheckpointStoreTest {
  private static final TrainingOptions OPTIONS = new TrainingOptions(5, 8, 2, 2, 1e-2, 7);
  private static final Map<String, String> JOB_OPTIONS = Map.of("--epochs", "5", "--seed", "7");

  @TempDir
  Path temp;

  private Workspace workspace;

  @BeforeEach
  void openWorkspace() throws UserException {
    workspace = Workspace.open(temp.toString(), new Configuration());
  }

  @Test
  void restoreCopiesParametersUpdaterAndCurve() throws Exception {
    MultiLayerNetwork trained = trainedNetwork();
    List<CurvePoint> curve = List.of(point(1, 0.5), point(2, Double.NaN));
    open(false, false).training("source-seed7", OPTIONS).save(trained, curve);
    MultiLayerNetwork fresh = Networks.perceptron(4, new int[] {6}, 3, 1e-2, 99);

    List<CurvePoint> restored = open(true, false).training("source-seed7", OPTIONS)
        .restore(fresh);

    assertEquals(trained.params(), fresh.params());
    assertEquals(trained.getUpdater().getStateViewArray(),
        fresh.getUpdater().getStateViewArray());
    assertNotEquals(0.0, fresh.getUpdater().getStateViewArray().sumNumber().doubleValue(),
        "Adam's moments are not zero after training");
    assertEquals(trained.getIterationCount(), fresh.getIterationCount());
    assertEquals(curve, restored, "the curve, NaN validation accuracy included");
  }

  @Test
  void saveKeepsOnlyLatestEpoch() throws Exception {
    EpochCheckpoints checkpoints = open(false, false).training("source-seed7", OPTIONS);
    MultiLayerNetwork network = trainedNetwork();

    checkpoints.save(network, List.of(point(1, 0.5)));
    checkpoints.save(network, List.of(point(1, 0.5), point(2, 0.6)));
    checkpoints.save(network, List.of(point(1, 0.5), point(2, 0.6), point(3, 0.7)));

    assertEquals(Set.of("epoch-3"), names(temp.resolve("checkpoints/r1/source-seed7")));
    assertEquals(Set.of("run.json", "source-seed7"), names(temp.resolve("checkpoints/r1")));
    assertEquals(Set.of("checkpoint.json", "curve.json", "model.zip"),
        names(temp.resolve("checkpoints/r1/source-seed7/epoch-3")));
  }

  @Test
  void runWithoutResumeRestoresNothing() throws Exception {
    MultiLayerNetwork network = Networks.perceptron(4, new int[] {6}, 3, 1e-2, 99);
    var before = network.params().dup();

    List<CurvePoint> restored = open(false, false).training("source-seed7", OPTIONS)
        .restore(network);

    assertEquals(List.of(), restored);
    assertEquals(before, network.params());
  }

  @Test
  void trainingWithoutCheckpointStartsAtEpochOne() throws Exception {
    open(false, false).training("source-seed7", OPTIONS)
        .save(trainedNetwork(), List.of(point(1, 0.5)));

    List<CurvePoint> restored = open(true, false).training("scratch-seed7", OPTIONS)
        .restore(Networks.perceptron(4, new int[] {6}, 3, 1e-2, 99));

    assertEquals(List.of(), restored);
  }

  @Test
  void restoreRejectsOtherTrainingOptions() throws Exception {
    open(false, false).training("source-seed7", OPTIONS)
        .save(trainedNetwork(), List.of(point(1, 0.5)));
    TrainingOptions moreWorkers = new TrainingOptions(5, 8, 2, 4, 1e-2, 7);

    UserException error = assertThrows(UserException.class, () -> open(true, false)
        .training("source-seed7", moreWorkers)
        .restore(Networks.perceptron(4, new int[] {6}, 3, 1e-2, 99)));

    assertTrue(error.getMessage().contains("was written with --epochs 5, --batch-size 8,"
        + " --averaging-frequency 2, --workers 2, --learning-rate 0.01, --trainer ktp, seed 7,"
        + " but this run"
        + " trains source-seed7 with --epochs 5, --batch-size 8, --averaging-frequency 2,"
        + " --workers 4"), error.getMessage());
  }

  @Test
  void restoreRejectsOtherNetwork() throws Exception {
    open(false, false).training("source-seed7", OPTIONS)
        .save(trainedNetwork(), List.of(point(1, 0.5)));
    MultiLayerNetwork wider = Networks.perceptron(4, new int[] {8}, 3, 1e-2, 99);
    var before = wider.params().dup();

    UserException error = assertThrows(UserException.class, () -> open(true, false)
        .training("source-seed7", OPTIONS).restore(wider));

    assertTrue(error.getMessage().contains("contains a network with layers [DenseLayer{W=[4, 6],"
        + " b=[1, 6]}, OutputLayer{W=[6, 3], b=[1, 3]}], but this run trains [DenseLayer{W=[4,"
        + " 8], b=[1, 8]}, OutputLayer{W=[8, 3], b=[1, 3]}]"), error.getMessage());
    assertEquals(before, wider.params(), "a rejected checkpoint changes nothing");
  }

  @Test
  void resumeNeedsCheckpointsOfTheRun() {
    UserException error = assertThrows(UserException.class, () -> open(true, false));

    assertEquals("Run 'r1' has no checkpoints under " + workspace.checkpoints("r1") + ": check"
        + " --run-id (it must be the id of the interrupted run) or start the run without"
        + " --resume", error.getMessage());
  }

  @Test
  void newRunRejectsExistingCheckpoints() throws Exception {
    open(false, false).training("source-seed7", OPTIONS)
        .save(trainedNetwork(), List.of(point(1, 0.5)));

    UserException error = assertThrows(UserException.class, () -> open(false, false));

    assertEquals("Run 'r1' already has checkpoints under " + workspace.checkpoints("r1")
        + ": pass --resume to continue it, --overwrite to start it again, or choose another"
        + " --run-id", error.getMessage());
  }

  @Test
  void resumeRejectsOtherJobOptions() throws Exception {
    open(false, false).training("source-seed7", OPTIONS)
        .save(trainedNetwork(), List.of(point(1, 0.5)));

    UserException error = assertThrows(UserException.class, () -> CheckpointStore.open(
        workspace, "r1", "pretrain", Map.of("--epochs", "6", "--seed", "7"), true, false));

    assertEquals("Invalid value 6 for --epochs with --resume: run 'r1' was started with 5;"
        + " resume with the options of the interrupted run", error.getMessage());
  }

  @Test
  void overwriteDeletesEarlierRunAtFirstSave() throws Exception {
    open(false, false).training("source-seed7", OPTIONS)
        .save(trainedNetwork(), List.of(point(1, 0.5), point(2, 0.6)));
    CheckpointStore again = open(false, true);

    assertTrue(Files.isDirectory(temp.resolve("checkpoints/r1/source-seed7/epoch-2")),
        "opening writes nothing");
    again.training("scratch-seed7", OPTIONS).save(trainedNetwork(), List.of(point(1, 0.5)));

    assertEquals(Set.of("run.json", "scratch-seed7"), names(temp.resolve("checkpoints/r1")));
  }

  @Test
  void deleteRunRemovesEveryCheckpoint() throws Exception {
    CheckpointStore store = open(false, false);
    store.training("source-seed7", OPTIONS).save(trainedNetwork(), List.of(point(1, 0.5)));

    store.deleteRun();

    assertFalse(Files.exists(temp.resolve("checkpoints/r1")));
  }

  private CheckpointStore open(boolean resume, boolean overwrite) throws Exception {
    return CheckpointStore.open(workspace, "r1", "pretrain", JOB_OPTIONS, resume, overwrite);
  }

  /** Returns a small network after a few Adam steps, so its updater state is not zero. */
  private static MultiLayerNetwork trainedNetwork() {
    MultiLayerNetwork network = Networks.perceptron(4, new int[] {6}, 3, 1e-2, 1);
    float[][] features = new float[8][4];
    float[][] labels = new float[8][3];
    for (int row = 0; row < 8; row++) {
      for (int column = 0; column < 4; column++) {
        features[row][column] = (row * 4 + column) % 5 / 5f;
      }
      labels[row][row % 3] = 1;
    }
    DataSet batch = new DataSet(Nd4j.create(features), Nd4j.create(labels));
    for (int i = 0; i < 3; i++) {
      network.fit(batch);
    }
    return network;
  }

  private static CurvePoint point(int epoch, double validationAccuracy) {
    return new CurvePoint(epoch, 1.0 / epoch, 0.5, validationAccuracy, 0.25);
  }

  private static Set<String> names(Path folder) throws Exception {
    try (Stream<Path> entries = Files.list(folder)) {
      Set<String> names = new TreeSet<>();
      entries.map(path -> path.getFileName().toString())
          .filter(name -> !name.endsWith(".crc"))
          .forEach(names::add);
      return names;
    }
  }
}
