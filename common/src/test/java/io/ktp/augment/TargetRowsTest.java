package io.ktp.augment;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ktp.data.Samples;
import io.ktp.io.SparkSessions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Divides small tables into labelled, unlabelled and validation rows, and picks pseudo-labels. */
class TargetRowsTest {
  private static SparkSession spark;

  @BeforeAll
  static void startSpark() {
    spark = SparkSessions.getOrCreate("TargetRowsTest", "local[2]");
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  /** Returns 2 classes x 8 rows: rows 0..4 train, 5 validation, 6..7 test. */
  private static Dataset<Row> table() {
    List<Row> rows = new ArrayList<>();
    for (int label = 0; label < 2; label++) {
      for (int i = 0; i < 8; i++) {
        String split = i < 5 ? Samples.TRAIN : i == 5 ? Samples.VALIDATION : Samples.TEST;
        rows.add(RowFactory.create("r-" + label + "-" + i, "d", label, new double[] {i, label},
            split, 1.0, "test"));
      }
    }
    return spark.createDataFrame(rows, Samples.schema(1, 2));
  }

  @Test
  void labelsPerClassHidesTheRest() {
    TargetRows target = TargetRows.of(table(), 2, 7);

    assertEquals(4, target.labelled().count());
    assertEquals(6, target.unlabelled().count());
    assertEquals(2, target.validation().count());
    assertEquals(Set.of(AugmentedSamples.HIDDEN), statuses(target.unlabelled()));
    assertEquals(Set.of(AugmentedSamples.GIVEN), statuses(target.labelled()));
    assertEquals(Set.of(AugmentedSamples.GIVEN), statuses(target.validation()));
  }

  @Test
  void noTestRowInAnyPart() {
    TargetRows target = TargetRows.of(table(), 2, 7);

    for (Dataset<Row> part : List.of(target.labelled(), target.unlabelled(),
        target.validation())) {
      assertEquals(0, part.filter(col(Samples.SPLIT).equalTo(Samples.TEST)).count());
    }
  }

  @Test
  void statusColumnMarksUnlabelledRows() {
    Dataset<Row> marked = table().withColumn(AugmentedSamples.LABEL_STATUS,
        when(col(Samples.ID).isin("r-0-0", "r-1-1"), lit(AugmentedSamples.UNKNOWN))
            .when(col(Samples.ID).equalTo("r-0-2"), lit(AugmentedSamples.HIDDEN)));

    TargetRows target = TargetRows.of(marked, 0, 7);

    assertEquals(Set.of("r-0-0", "r-1-1", "r-0-2"), ids(target.unlabelled()));
    assertEquals(7, target.labelled().count());
    assertEquals(AugmentedSamples.schema(0, 0).fieldNames().length,
        target.labelled().columns().length);
  }

  @Test
  void selectionKeepsMostConfidentPerClass() {
    StructType schema = PseudoLabels.SCORED_SCHEMA;
    List<Row> scored = List.of(
        RowFactory.create("a", 0, 0.99, 0), RowFactory.create("b", 0, 0.95, 1),
        RowFactory.create("c", 0, 0.97, 0), RowFactory.create("d", 1, 0.80, null),
        RowFactory.create("e", 1, 0.92, 1), RowFactory.create("f", 1, 0.92, 1));

    Dataset<Row> selected = PseudoLabels.select(spark.createDataFrame(scored, schema), 0.9, 2);

    assertEquals(Set.of("a", "c", "e", "f"), ids(selected));
  }

  @Test
  void histogramPutsOneInLastBin() {
    List<Row> scored = List.of(
        RowFactory.create("a", 0, 0.0, null), RowFactory.create("b", 0, 0.25, null),
        RowFactory.create("c", 0, 0.5, null), RowFactory.create("d", 0, 1.0, null),
        RowFactory.create("e", 0, 0.99, null));

    long[] bins = PseudoLabels.histogram(spark.createDataFrame(scored,
        PseudoLabels.SCORED_SCHEMA), 4);

    assertArrayEquals(new long[] {1, 1, 1, 2}, bins);
  }

  private static Set<String> statuses(Dataset<Row> rows) {
    Set<String> statuses = new HashSet<>();
    for (Row row : rows.select(AugmentedSamples.LABEL_STATUS).distinct().collectAsList()) {
      statuses.add(row.getString(0));
    }
    return statuses;
  }

  private static Set<String> ids(Dataset<Row> rows) {
    Set<String> ids = new HashSet<>();
    for (Row row : rows.select(Samples.ID).collectAsList()) {
      ids.add(row.getString(0));
    }
    assertTrue(ids.size() == rows.count(), "ids are unique");
    return ids;
  }
}
