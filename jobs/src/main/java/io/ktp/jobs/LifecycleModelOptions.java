package io.ktp.jobs;

import io.ktp.cli.Checks;
import io.ktp.cli.UserException;
import io.ktp.data.SampleTable;
import io.ktp.data.SampleTables;
import io.ktp.data.Samples;
import io.ktp.io.Workspace;
import io.ktp.model.Manifest;
import io.ktp.model.ModelRegistry;
import io.ktp.model.ModelStore;
import io.ktp.model.StoredModel;
import io.ktp.train.Example;
import io.ktp.train.Predictions;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/**
 * The model version that drift and recalibrate work on, and its reference rows: by default the
 * train split of the domain the version was trained on, read from its manifest.
 */
final class LifecycleModelOptions {
  /** Manifest config key of the target domain a model was trained on. */
  static final String DOMAIN_KEY = "--domain";
  private static final Logger LOG = LoggerFactory.getLogger(LifecycleModelOptions.class);

  @Option(names = "--model", paramLabel = "NAME",
      description = "Registered model. Default: ${DEFAULT-VALUE}.")
  String model = "finetuned";

  @Option(names = "--model-version", paramLabel = "VERSION",
      description = "Version of the model: an alias such as production, a number (3 or v3) or"
          + " latest. Default: ${DEFAULT-VALUE}.")
  String version = ModelRegistry.PRODUCTION;

  @Option(names = "--reference-domain", paramLabel = "NAME",
      description = "Sample table of the reference rows. Default: the --domain the model"
          + " version's manifest records.")
  String referenceDomain;

  @Option(names = "--reference-split", paramLabel = "SPLIT",
      description = "Split of the reference table the reference rows come from. Default:"
          + " ${DEFAULT-VALUE}.")
  String referenceSplit = Samples.TRAIN;

  /**
   * A resolved model version.
   *
   * @param name model name
   * @param version version number
   * @param manifest its manifest
   */
  record Production(String name, int version, Manifest manifest) {
    String reference() {
      return name + "/v" + version;
    }

    /** Loads the network, checking that it takes {@code features} inputs. */
    StoredModel load(Workspace workspace, int features) throws UserException, IOException {
      return new ModelStore(workspace).load(name, version, features, ModelTraining.CLASSES);
    }
  }

  void validate() throws UserException {
    Workspace.checkName("model", model);
    if (version == null || version.isBlank()) {
      throw new UserException(Checks.invalid("--model-version", "''", "must name an alias, a"
          + " version number or latest"));
    }
    if (referenceDomain != null) {
      Workspace.checkName("reference domain", referenceDomain);
    }
    if (!List.of(Samples.TRAIN, Samples.VALIDATION, Samples.TEST).contains(referenceSplit)) {
      throw new UserException(Checks.invalid("--reference-split", referenceSplit,
          "must be train, validation or test"));
    }
  }

  void preflight(Preflight checks) throws UserException, IOException {
    checks.requireModel(model);
    if (referenceDomain != null) {
      checks.requireTable(referenceDomain);
    }
    resolve(checks.workspace());
  }

  /** Resolves {@code --model-version} through the registry. */
  Production resolve(Workspace workspace) throws UserException, IOException {
    ModelRegistry registry = new ModelRegistry(workspace);
    int resolved = registry.resolve(model, version);
    return new Production(model, resolved, registry.manifest(model, resolved));
  }

  /** Returns the reference domain: the option, else the one the manifest records. */
  String referenceDomain(Production production) throws UserException {
    if (referenceDomain != null) {
      return referenceDomain;
    }
    Map<String, Object> config = production.manifest().config();
    Object recorded = config == null ? null : config.get(DOMAIN_KEY);
    if (recorded == null) {
      throw new UserException("Model " + production.reference() + " records no " + DOMAIN_KEY
          + " in its manifest, so its reference rows are unknown: pass --reference-domain");
    }
    return Workspace.checkName("reference domain", recorded.toString());
  }

  /**
   * Reads the reference table. A fingerprint that differs from the one in the manifest means that
   * the table was written again since the model was trained, so the job logs a warning.
   */
  SampleTable referenceTable(JobContext context, Production production)
      throws UserException, IOException {
    SampleTable table = SampleTables.read(context.spark(), context.workspace(),
        referenceDomain(production), ModelTraining.CLASSES);
    Map<String, String> inputs = production.manifest().inputs();
    String recorded = inputs == null ? null : inputs.get(table.location());
    if (recorded != null && !recorded.equals(table.fingerprint())) {
      LOG.warn("Reference table {} changed since {} was trained (fingerprint {}, recorded {})",
          table.location(), production.reference(), table.fingerprint(), recorded);
    }
    return table;
  }

  /** Fails when {@code batch} has another feature count than the reference. */
  static void requireSameFeatures(SampleTable reference, SampleTable batch, String option)
      throws UserException {
    if (batch.featureCount() != reference.featureCount()) {
      throw new UserException("Batch table " + batch.location() + " has "
          + batch.featureCount() + " features but the reference table " + reference.location()
          + " has " + reference.featureCount() + ": pass a " + option + " table of the same"
          + " domain layout");
    }
  }

  /** Collects up to {@code maxRows} scaled rows, chosen by seed, to the driver. */
  static Predictions sample(Dataset<Row> rows, int maxRows, long seed) {
    List<Example> examples = ModelTraining.examples(rows).takeSample(false, maxRows, seed);
    return Predictions.of(examples);
  }

  /** Fails when a sample has fewer than 2 rows, the least the tests need. */
  static void requireRows(Predictions sample, String location) throws UserException {
    if (sample.size() < 2) {
      throw new UserException("Sample table " + location + " has " + sample.size()
          + " rows, but the drift tests need at least 2: pass a table with more rows");
    }
  }

  /** Returns the rows of a sample as doubles. */
  static double[][] features(Predictions sample) {
    double[][] rows = new double[sample.size()][];
    for (int i = 0; i < rows.length; i++) {
      float[] values = sample.features()[i];
      rows[i] = new double[values.length];
      for (int j = 0; j < values.length; j++) {
        rows[i][j] = values[j];
      }
    }
    return rows;
  }

  Map<String, Object> config(Production production) throws UserException {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("--model", model);
    config.put("--model-version", version);
    config.put("resolved_version", production.version());
    config.put("--reference-domain", referenceDomain(production));
    config.put("--reference-split", referenceSplit);
    return config;
  }
}
