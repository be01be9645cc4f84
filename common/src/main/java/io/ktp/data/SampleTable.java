package io.ktp.data;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A validated sample table.
 *
 * @param rows the rows, in the {@link Samples} schema
 * @param location where the table was read from
 * @param count number of rows
 * @param featureCount length of every feature vector
 * @param fingerprint row count and an order-independent sum of row hashes; equal content gives an
 *     equal fingerprint, so manifests can tell which data a model saw
 */
public record SampleTable(Dataset<Row> rows, String location, long count, int featureCount,
    String fingerprint) {

  /** Returns the rows of one split. */
  public Dataset<Row> split(String name) {
    return rows.filter(rows.col(Samples.SPLIT).equalTo(name));
  }
}
