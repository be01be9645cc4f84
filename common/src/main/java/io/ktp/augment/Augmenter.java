package io.ktp.augment;

import io.ktp.data.Samples;
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

  /**
   * Prepares copies of images of {@code gridRows x gridColumns} (0 x 0 when the features are not
   * an image); every transformed value is clipped to [low, high], the feature range of the table.
   */
  public Augmenter(AugmentSettings settings, int gridRows, int gridColumns, double low,
      double high) {
    this.settings = settings;
    this.gridRows = gridRows;
    this.gridColumns = gridColumns;
    this.low = low;
    this.high = high;
  }

  /** Returns every copy of the rows of {@code labelled}, in the augmented schema. */
  public Dataset<Row> copies(SparkSession spark, Dataset<Row> labelled) {
    StructType schema = AugmentedSamples.schema(gridRows, gridColumns);
    Dataset<Row> rows = labelled.select(Samples.ID, Samples.DOMAIN, Samples.LABEL,
        Samples.FEATURES, Samples.SPLIT, Samples.WEIGHT);
    Broadcast<Map<Integer, List<Neighbour>>> classes = settings.smoteCopies() == 0 ? null
        : JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(byClass(rows));
    return spark.createDataFrame(rows.javaRDD().flatMap(row -> {
      Map<Integer, List<Neighbour>> sameClass = classes == null ? Map.of() : classes.value();
      return copiesOf(row, sameClass.get(row.getInt(2))).iterator();
    }), schema);
  }

  /** Returns every copy of one row; {@code sameClass} contains its class's labelled rows for SMOTE. */
  List<Row> copiesOf(Row row, List<Neighbour> sameClass) {
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
      List<Neighbour> nearest = Smote.nearest(id, features, sameClass,
          settings.smoteNeighbours());
      for (int n = 1; n <= settings.smoteCopies() && !nearest.isEmpty(); n++) {
        copies.add(copy(row, "smote", n, Smote.interpolate(features, nearest, random(id, 4, n))));
      }
    }
    return copies;
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
    String sourceId = source.getString(0);
    ImageTransforms.clip(features, low, high);
    return RowFactory.create(sourceId + "~" + transform + n, source.getString(1), source.getInt(2),
        features, source.getString(4), source.getDouble(5),
        transform + " copy " + n + " of " + sourceId, AugmentedSamples.AUGMENTED, sourceId, null,
        null, null);
  }

  private static Map<Integer, List<Neighbour>> byClass(Dataset<Row> rows) {
    Map<Integer, List<Neighbour>> classes = new HashMap<>();
    for (Row row : rows.select(Samples.ID, Samples.LABEL, Samples.FEATURES).collectAsList()) {
      classes.computeIfAbsent(row.getInt(1), label -> new ArrayList<>())
          .add(new Neighbour(row.getString(0), toArray(row.getList(2))));
    }
    return classes;
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
}
