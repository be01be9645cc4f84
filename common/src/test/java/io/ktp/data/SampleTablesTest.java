package io.ktp.data;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ktp.cli.UserException;
import io.ktp.io.SparkSessions;
import io.ktp.io.Workspace;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SampleTablesTest {
  /** Rows per class 0..9: uneven, and 10, 50 and 180 put the 0.1 + 0.2 boundary on a whole row. */
  private static final int[] CLASS_SIZES = {37, 50, 23, 101, 10, 5, 64, 180, 18, 42};
  private static final double VALIDATION = 0.1;
  private static final double TEST = 0.2;
  private static final String LOCATION = "file:/ws/samples/digits";

  private static SparkSession spark;
  private static Dataset<Row> unsplit;

  @BeforeAll
  static void startSpark() {
    spark = SparkSessions.getOrCreate("SampleTablesTest", "local[2]");
    unsplit = spark.createDataFrame(rows(CLASS_SIZES, false), unsplitSchema()).cache();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  @Test
  void assignSplitsIsStratified() {
    Map<Integer, Map<String, Long>> counts = new TreeMap<>();
    for (Row row : SampleTables.assignSplits(unsplit, VALIDATION, TEST, 42)
        .groupBy(Samples.LABEL, Samples.SPLIT).count().collectAsList()) {
      counts.computeIfAbsent(row.getInt(0), label -> new HashMap<>())
          .put(row.getString(1), row.getLong(2));
    }

    for (int label = 0; label < CLASS_SIZES.length; label++) {
      int size = CLASS_SIZES[label];
      Map<String, Long> splits = counts.get(label);
      assertEquals(size, splits.values().stream().mapToLong(Long::longValue).sum(), "class " + label);
      assertWithinOneRow(size * TEST, splits.getOrDefault(Samples.TEST, 0L), label, "test");
      assertWithinOneRow(size * VALIDATION, splits.getOrDefault(Samples.VALIDATION, 0L), label,
          "validation");
      assertWithinOneRow(size * (1 - TEST - VALIDATION), splits.getOrDefault(Samples.TRAIN, 0L),
          label, "train");
    }
  }

  @Test
  void assignSplitsMatchesDocumentedExample() {
    // Class 7 has 180 rows: 36 go to test, 18 to validation and 126 to train.
    Map<String, Long> splits = SampleTables.assignSplits(unsplit, VALIDATION, TEST, 42)
        .filter(col(Samples.LABEL).equalTo(7))
        .groupBy(Samples.SPLIT).count().collectAsList().stream()
        .collect(Collectors.toMap(row -> row.getString(0), row -> row.getLong(1)));

    assertEquals(36L, splits.get(Samples.TEST));
    assertEquals(18L, splits.get(Samples.VALIDATION));
    assertEquals(126L, splits.get(Samples.TRAIN));
  }

  @Test
  void assignSplitsIgnoresPartitioning() {
    Map<String, String> original = splitById(SampleTables.assignSplits(unsplit, VALIDATION, TEST,
        42));
    Map<String, String> again = splitById(SampleTables.assignSplits(unsplit, VALIDATION, TEST,
        42));
    Map<String, String> repartitioned = splitById(SampleTables.assignSplits(
        unsplit.repartition(7), VALIDATION, TEST, 42));
    Map<String, String> reversed = splitById(SampleTables.assignSplits(
        unsplit.orderBy(col(Samples.ID).desc()).coalesce(1), VALIDATION, TEST, 42));

    assertEquals(Arrays.stream(CLASS_SIZES).sum(), original.size());
    assertEquals(original, again);
    assertEquals(original, repartitioned);
    assertEquals(original, reversed);
  }

  @Test
  void assignSplitsDependsOnSeed() {
    Map<String, String> first = splitById(SampleTables.assignSplits(unsplit, VALIDATION, TEST, 1));
    Map<String, String> second = splitById(SampleTables.assignSplits(unsplit, VALIDATION, TEST,
        2));

    long moved = first.keySet().stream().filter(id -> !first.get(id).equals(second.get(id)))
        .count();
    assertTrue(moved > first.size() / 10, "rows whose split changed with the seed: " + moved);
  }

  @Test
  void perClassSamplePicksExactlyK() {
    Map<Integer, Long> counts = countByLabel(SampleTables.perClassSample(unsplit, 5, 42));

    for (int label = 0; label < CLASS_SIZES.length; label++) {
      assertEquals(5L, counts.get(label), "class " + label);
    }
  }

  @Test
  void perClassSampleKeepsSmallClasses() {
    Map<Integer, Long> counts = countByLabel(SampleTables.perClassSample(unsplit, 20, 42));

    for (int label = 0; label < CLASS_SIZES.length; label++) {
      assertEquals(Math.min(20, CLASS_SIZES[label]), counts.get(label), "class " + label);
    }
  }

  @Test
  void perClassSampleOfZeroKeepsAll() {
    assertEquals(Arrays.stream(CLASS_SIZES).sum(),
        SampleTables.perClassSample(unsplit, 0, 42).count());
  }

  @Test
  void perClassSampleIsSeededAndIgnoresPartitioning() {
    List<String> picked = ids(SampleTables.perClassSample(unsplit, 5, 42));
    List<String> repartitioned = ids(SampleTables.perClassSample(unsplit.repartition(3), 5, 42));
    List<String> otherSeed = ids(SampleTables.perClassSample(unsplit, 5, 43));

    assertEquals(picked, repartitioned);
    assertNotEquals(picked, otherSeed);
  }

  static Stream<Arguments> invalidTables() {
    double[] features = new double[64];
    double[] shorter = new double[63];
    double[] withNaN = new double[64];
    withNaN[5] = Double.NaN;
    double[] withInfinity = new double[64];
    withInfinity[63] = Double.NEGATIVE_INFINITY;
    return Stream.of(
        Arguments.of("empty table", List.of(),
            "Sample table " + LOCATION + " is empty: ingest the domain again"),
        Arguments.of("mixed feature counts",
            List.of(row("a", 1, features), row("b", 2, shorter), row("c", 3, features)),
            "Sample table " + LOCATION + " has rows with 63 and with 64 features (row b has"
                + " 63): every row needs the same feature count"),
        Arguments.of("NaN and infinite features",
            List.of(row("a", 1, withNaN), row("b", 2, features), row("c", 3, withInfinity)),
            "Sample table " + LOCATION + " has 2 rows with NaN, infinite or null features"
                + " (for example row a): remove or repair them and ingest again"),
        Arguments.of("label 10 of 10 classes",
            List.of(row("a", 1, features), row("b", 10, features)),
            "Sample table " + LOCATION + " has label 10 in row b, outside the class range 0..9: relabel"
                + " the rows or ingest the domain again"),
        Arguments.of("negative label",
            List.of(row("a", -1, features), row("b", 9, features)),
            "Sample table " + LOCATION + " has label -1 in row a, outside the class range 0..9: relabel"
                + " the rows or ingest the domain again"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidTables")
  void validateRejectsInvalidTable(String description, List<Row> rows, String expected) {
    Dataset<Row> table = spark.createDataFrame(rows, Samples.schema(8, 8));

    UserException error = assertThrows(UserException.class,
        () -> SampleTables.validate(table, LOCATION, 10));

    assertEquals(expected, error.getMessage());
  }

  /**
   * Returns 24 tables of 30 valid rows, each with one row damaged by a seeded random choice: a
   * NaN, infinite or null feature, a shorter feature vector, a label outside 0..9, a null label,
   * or an unknown split name. The expected text is the id or split value the message must name.
   */
  static Stream<Arguments> generatedDamage() {
    java.util.Random random = new java.util.Random(1204);
    return java.util.stream.IntStream.range(0, 24).mapToObj(i -> {
      List<Row> rows = new ArrayList<>();
      for (int r = 0; r < 30; r++) {
        rows.add(row(String.format("r%02d", r), r % 10, new double[] {r, 1, 2, 3}));
      }
      int target = random.nextInt(rows.size());
      String id = rows.get(target).getString(0);
      double[] features = {target, 1, 2, 3};
      Object label = target % 10;
      String split = Samples.TRAIN;
      String named = id;
      int kind = random.nextInt(7);
      switch (kind) {
        case 0 -> features[random.nextInt(4)] = Double.NaN;
        case 1 -> features[random.nextInt(4)] = random.nextBoolean() ? Double.POSITIVE_INFINITY
            : Double.NEGATIVE_INFINITY;
        case 2 -> features = Arrays.copyOf(features, random.nextInt(4));
        case 3 -> label = random.nextBoolean() ? -1 - random.nextInt(5) : 10 + random.nextInt(90);
        case 4 -> label = null;
        case 5 -> {
          split = new String[] {"Train", "", "training", "tset"}[random.nextInt(4)];
          named = "'" + split + "'";
        }
        default -> {
          Double[] boxed = {(double) target, null, 2.0, 3.0};
          rows.set(target, RowFactory.create(id, "digits", label, boxed, split, 1.0, "test"));
          return Arguments.of(i, kind, rows, named);
        }
      }
      rows.set(target, RowFactory.create(id, "digits", label, features, split, 1.0, "test"));
      return Arguments.of(i, kind, rows, named);
    });
  }

  @ParameterizedTest(name = "case {0}: damage kind {1}")
  @MethodSource("generatedDamage")
  void validateNamesGeneratedDamage(int index, int kind, List<Row> rows, String named) {
    Dataset<Row> table = spark.createDataFrame(rows, nullableSchema());

    UserException error = assertThrows(UserException.class,
        () -> SampleTables.validate(table, LOCATION, 10));

    assertTrue(error.getMessage().startsWith("Sample table " + LOCATION + " "),
        error.getMessage());
    assertTrue(error.getMessage().contains(named), "message names " + named + ": "
        + error.getMessage());
  }

  @Test
  void validateCountsRowsAndFeatures() throws UserException {
    SampleTable table = SampleTables.validate(split(), LOCATION, 10);

    assertEquals(Arrays.stream(CLASS_SIZES).sum(), table.count());
    assertEquals(4, table.featureCount());
    assertEquals(LOCATION, table.location());
    assertTrue(table.fingerprint().startsWith(table.count() + "-"), table.fingerprint());
  }

  @Test
  void fingerprintIgnoresRowOrder() throws UserException {
    Dataset<Row> table = split();
    Dataset<Row> shuffled = table.orderBy(col(Samples.ID).desc()).repartition(5);

    assertEquals(SampleTables.validate(table, LOCATION, 10).fingerprint(),
        SampleTables.validate(shuffled, LOCATION, 10).fingerprint());
  }

  @Test
  void fingerprintChangesWithOneValue() throws UserException {
    List<Row> rows = rows(CLASS_SIZES, true);
    String before = SampleTables.validate(spark.createDataFrame(rows, Samples.schema(2, 2)),
        LOCATION, 10).fingerprint();
    Row first = rows.get(0);
    double[] features = ((double[]) first.get(3)).clone();
    features[2] += 1;
    rows.set(0, RowFactory.create(first.get(0), first.get(1), first.get(2), features,
        first.get(4), first.get(5), first.get(6)));

    String after = SampleTables.validate(spark.createDataFrame(rows, Samples.schema(2, 2)),
        LOCATION, 10).fingerprint();

    assertNotEquals(before, after);
  }

  @Test
  void writeThenReadRoundTrips(@TempDir java.nio.file.Path temp) throws Exception {
    Workspace workspace = Workspace.open(temp.toString(),
        spark.sparkContext().hadoopConfiguration());
    Dataset<Row> table = split();

    SampleTables.write(table, workspace, "digits", false);
    SampleTable read = SampleTables.read(spark, workspace, "digits", 10);

    assertEquals(SampleTables.validate(table, LOCATION, 10).fingerprint(), read.fingerprint());
    assertEquals(workspace.samples("digits").toString(), read.location());
  }

  @Test
  void readOfMissingTableNamesIngest(@TempDir java.nio.file.Path temp) throws Exception {
    Workspace workspace = Workspace.open(temp.toString(),
        spark.sparkContext().hadoopConfiguration());

    UserException error = assertThrows(UserException.class,
        () -> SampleTables.read(spark, workspace, "mnist", 10));

    assertEquals("Sample table for domain 'mnist' not found at " + workspace.samples("mnist")
        + ": run 'ktp ingest' with this workspace first", error.getMessage());
  }

  @Test
  void readRejectsTableWithoutSplit(@TempDir java.nio.file.Path temp) throws Exception {
    Workspace workspace = Workspace.open(temp.toString(),
        spark.sparkContext().hadoopConfiguration());
    unsplit.write().parquet(workspace.samples("digits").toString());

    UserException error = assertThrows(UserException.class,
        () -> SampleTables.read(spark, workspace, "digits", 10));

    assertEquals("Sample table " + workspace.samples("digits") + " has column split of type"
        + " none, expected string: write it with 'ktp ingest'", error.getMessage());
  }

  private static Dataset<Row> split() {
    return spark.createDataFrame(rows(CLASS_SIZES, true), Samples.schema(2, 2));
  }

  /** Returns rows with ids such as "c3-007" and four features derived from label and index. */
  private static List<Row> rows(int[] classSizes, boolean withSplit) {
    List<Row> rows = new ArrayList<>();
    for (int label = 0; label < classSizes.length; label++) {
      for (int i = 0; i < classSizes[label]; i++) {
        String id = String.format("c%d-%03d", label, i);
        double[] features = {label, i, i % 7, (label * 31 + i) % 17};
        List<Object> values = new ArrayList<>(List.of(id, "digits", label, features));
        if (withSplit) {
          values.add(i % 10 < 7 ? Samples.TRAIN : Samples.TEST);
        }
        values.add(1.0);
        values.add("test#" + id);
        rows.add(RowFactory.create(values.toArray()));
      }
    }
    return rows;
  }

  private static Row row(String id, int label, double[] features) {
    return RowFactory.create(id, "digits", label, features, Samples.TRAIN, 1.0, "test#" + id);
  }

  /** Returns the sample schema with every field and every array element nullable. */
  private static StructType nullableSchema() {
    return new StructType(Arrays.stream(Samples.schema(2, 2).fields())
        .map(field -> new StructField(field.name(), field.name().equals(Samples.FEATURES)
            ? org.apache.spark.sql.types.DataTypes.createArrayType(
                org.apache.spark.sql.types.DataTypes.DoubleType, true) : field.dataType(), true,
            field.metadata()))
        .toArray(StructField[]::new));
  }

  private static StructType unsplitSchema() {
    return new StructType(Arrays.stream(Samples.schema(2, 2).fields())
        .filter(field -> !field.name().equals(Samples.SPLIT))
        .toArray(StructField[]::new));
  }

  private static Map<String, String> splitById(Dataset<Row> rows) {
    return rows.select(Samples.ID, Samples.SPLIT).collectAsList().stream()
        .collect(Collectors.toMap(row -> row.getString(0), row -> row.getString(1)));
  }

  private static Map<Integer, Long> countByLabel(Dataset<Row> rows) {
    return rows.groupBy(Samples.LABEL).count().collectAsList().stream()
        .collect(Collectors.toMap(row -> row.getInt(0), row -> row.getLong(1)));
  }

  private static List<String> ids(Dataset<Row> rows) {
    return rows.select(Samples.ID).collectAsList().stream().map(row -> row.getString(0))
        .sorted().toList();
  }

  private static void assertWithinOneRow(double expected, long actual, int label, String split) {
    assertTrue(Math.abs(actual - expected) < 1.0, "class " + label + " has " + actual + " "
        + split + " rows, expected " + expected);
  }
}
