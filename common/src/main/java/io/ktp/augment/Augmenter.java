package io.ktp.augment;

import io.ktp.data.Samples;
import io.ktp.data.TokenFeatures;
import io.ktp.denoise.SeededHash;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * Makes transformed copies of labelled rows on the executors.
 *
 * <p>Every copy draws from its own random stream, seeded from the seed, the id of the row it is
 * made from and the transform and copy number. So a row's copies do not depend on the
 * partitioning, the row order or the other rows, except for SMOTE's choice of neighbours, which
 * depends on the set of labelled rows of the class. A copy has the id
 * {@code <source id>~<transform><n>}, the source's label, domain, split and weight, label status
 * {@link AugmentedSamples#AUGMENTED} and the source id in {@link AugmentedSamples#SOURCE_ID}.
 * Mixup copies are the exception: a mixup copy's partner can be any labelled row, and its label
 * is the most probable class of its {@link AugmentedSamples#LABEL_WEIGHTS}.
 *
 * <p>Copies of a text row made by token dropout and swaps carry their new tokens and features
 * recomputed from them with the table's {@link TokenFeatures}. The other transforms change only
 * the features, so their copies of a text row have null tokens.
 */
public final class Augmenter implements Serializable {
  private static final long serialVersionUID = 1L;
  /** Separates the random streams of the transforms; a transform never makes this many copies. */
  private static final long STREAMS_PER_TRANSFORM = 1_000_003L;

  private final AugmentSettings settings;
  private final int gridRows;
  private final int gridColumns;
  private final double low;
  private final double high;
  private final TokenFeatures text;
  private final int classes;

  /**
   * Prepares copies of images of {@code gridRows x gridColumns} (0 x 0 when the features are not
   * an image); every transformed value is clipped to [low, high], the feature range of the table.
   * {@code text} recomputes the features of token copies (null for a table without tokens), and
   * {@code classes} is the length of a mixup copy's label weights.
   */
  public Augmenter(AugmentSettings settings, int gridRows, int gridColumns, double low,
      double high, TokenFeatures text, int classes) {
    this.settings = settings;
    this.gridRows = gridRows;
    this.gridColumns = gridColumns;
    this.low = low;
    this.high = high;
    this.text = text;
    this.classes = classes;
  }

  /** Returns every copy of the rows of {@code labelled}, in the augmented schema. */
  public Dataset<Row> copies(SparkSession spark, Dataset<Row> labelled) {
    StructType schema = AugmentedSamples.schema(gridRows, gridColumns);
    Dataset<Row> rows = labelled.select(Samples.ID, Samples.DOMAIN, Samples.LABEL,
        Samples.FEATURES, Samples.SPLIT, Samples.WEIGHT, AugmentedSamples.TOKENS);
    boolean needsRows = settings.smoteCopies() > 0 || settings.mixupCopies() > 0;
    Broadcast<LabelledRows> all = !needsRows ? null
        : JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(LabelledRows.of(rows));
    return spark.createDataFrame(rows.javaRDD().flatMap(
        row -> copiesOf(row, all == null ? LabelledRows.NONE : all.value()).iterator()), schema);
  }

  /** Returns every copy of one row; {@code others} contains the labelled rows for SMOTE and mixup. */
  List<Row> copiesOf(Row row, LabelledRows others) {
    String id = row.getString(0);
    double[] features = toArray(row.getList(3));
    List<Row> copies = new ArrayList<>(settings.copiesPerRow());
    for (int n = 1; n <= settings.shiftCopies(); n++) {
      copies.add(copy(row, "shift", n, shift(features, random(id, 0, n))));
    }
    for (int n = 1; n <= settings.rotationCopies(); n++) {
      Random random = random(id, 1, n);
      double radians = Math.toRadians(settings.rotationDegrees() * (2 * random.nextDouble() - 1));
      copies.add(copy(row, "rotation", n,
          ImageTransforms.rotate(features, gridRows, gridColumns, radians, low)));
    }
    for (int n = 1; n <= settings.elasticCopies(); n++) {
      copies.add(copy(row, "elastic", n, ImageTransforms.elastic(features, gridRows, gridColumns,
          settings.elasticAlpha(), settings.elasticSigma(), random(id, 2, n), low)));
    }
    for (int n = 1; n <= settings.noiseCopies(); n++) {
      copies.add(copy(row, "noise", n,
          ImageTransforms.noise(features, settings.noiseSigma(), random(id, 3, n))));
    }
    if (settings.smoteCopies() > 0) {
      List<Neighbour> nearest = Smote.nearest(id, features,
          others.byClass().get(row.getInt(2)), settings.smoteNeighbours());
      for (int n = 1; n <= settings.smoteCopies() && !nearest.isEmpty(); n++) {
        copies.add(copy(row, "smote", n, Smote.interpolate(features, nearest, random(id, 4, n))));
      }
    }
    // A text row without tokens (a mixup copy in an augmented table) has no token copies.
    if (settings.tokenCopies() > 0 && !row.isNullAt(6)) {
      tokenCopies(row, copies);
    }
    for (int n = 1; n <= settings.mixupCopies() && others.all().size() > 1; n++) {
      copies.add(mixupCopy(row, features, others.all(), n));
    }
    return copies;
  }

  private void tokenCopies(Row row, List<Row> copies) {
    String id = row.getString(0);
    List<String> tokens = row.getList(6);
    for (int n = 1; n <= settings.dropoutCopies(); n++) {
      List<String> kept = TokenTransforms.dropout(tokens, settings.dropoutRate(),
          random(id, 5, n));
      copies.add(copy(row, "dropout", n, text.features(kept), row.getInt(2), kept, null));
    }
    for (int n = 1; n <= settings.swapCopies(); n++) {
      List<String> swapped = TokenTransforms.swap(tokens, settings.swapCount(), random(id, 6, n));
      copies.add(copy(row, "swap", n, text.features(swapped), row.getInt(2), swapped, null));
    }
  }

  /**
   * Returns mixup copy {@code n} of a row: its partner is drawn uniformly from the other labelled
   * rows, in id order, and lambda from Beta(alpha, alpha), both from the copy's own stream.
   */
  private Row mixupCopy(Row row, double[] features, List<Labelled> all, int n) {
    String id = row.getString(0);
    Random random = random(id, 7, n);
    Labelled partner = all.get(random.nextInt(all.size()));
    while (partner.id().equals(id)) {
      partner = all.get(random.nextInt(all.size()));
    }
    double lambda = Mixup.lambda(settings.mixupAlpha(), random);
    double[] weights = Mixup.labelWeights(row.getInt(2), partner.label(), lambda, classes);
    return copy(row, "mixup", n, Mixup.mix(features, partner.features(), lambda),
        Mixup.argmax(weights, row.getInt(2)), null, weights);
  }

  private double[] shift(double[] features, Random random) {
    int span = 2 * settings.shiftPixels() + 1;
    int down;
    int right;
    do {
      down = random.nextInt(span) - settings.shiftPixels();
      right = random.nextInt(span) - settings.shiftPixels();
    } while (down == 0 && right == 0);
    return ImageTransforms.shift(features, gridRows, gridColumns, down, right, low);
  }

  private Random random(String id, int transform, int copy) {
    return new Random(SeededHash.of(settings.seed(), id, transform * STREAMS_PER_TRANSFORM + copy));
  }

  private Row copy(Row source, String transform, int n, double[] features) {
    return copy(source, transform, n, features, source.getInt(2), null, null);
  }

  private Row copy(Row source, String transform, int n, double[] features, int label,
      List<String> tokens, double[] labelWeights) {
    String sourceId = source.getString(0);
    ImageTransforms.clip(features, low, high);
    return RowFactory.create(sourceId + "~" + transform + n, source.getString(1), label,
        features, source.getString(4), source.getDouble(5),
        transform + " copy " + n + " of " + sourceId, AugmentedSamples.AUGMENTED, sourceId, null,
        null, null, tokens == null ? null : tokens.toArray(new String[0]), labelWeights);
  }

  static double[] toArray(List<Object> values) {
    double[] array = new double[values.size()];
    for (int i = 0; i < array.length; i++) {
      array[i] = ((Number) values.get(i)).doubleValue();
    }
    return array;
  }

  /** A labelled row that SMOTE may interpolate towards. */
  record Neighbour(String id, double[] features) implements Serializable {
  }

  /** A labelled row that mixup may pick as a partner. */
  record Labelled(String id, int label, double[] features) implements Serializable {
  }

  /**
   * Every labelled row, by class for SMOTE and in id order for mixup, so a partner drawn by
   * position does not depend on the partitioning.
   */
  record LabelledRows(Map<Integer, List<Neighbour>> byClass, List<Labelled> all)
      implements Serializable {
    static final LabelledRows NONE = new LabelledRows(Map.of(), List.of());

    static LabelledRows of(Dataset<Row> rows) {
      Map<Integer, List<Neighbour>> byClass = new HashMap<>();
      List<Labelled> all = new ArrayList<>();
      for (Row row : rows.select(Samples.ID, Samples.LABEL, Samples.FEATURES).orderBy(Samples.ID)
          .collectAsList()) {
        double[] features = toArray(row.getList(2));
        byClass.computeIfAbsent(row.getInt(1), label -> new ArrayList<>())
            .add(new Neighbour(row.getString(0), features));
        all.add(new Labelled(row.getString(0), row.getInt(1), features));
      }
      return new LabelledRows(byClass, all);
    }
  }
}
