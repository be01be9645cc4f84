package io.ktp.denoise;

import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Outputs of one denoise run.
 *
 * @param clean the kept train rows (relabelled where asked) and every other split unchanged, in
 *     the sample schema
 * @param rejected every train row set aside or relabelled, with its reason, score and threshold
 * @param counts rows of the per-reason, per-class report ({@link Denoiser#COUNTS_SCHEMA})
 * @param trainRows train rows screened
 * @param keptRows train rows kept, relabelled ones included
 * @param byReason rows per reason code, in step order
 */
public record DenoiseResult(Dataset<Row> clean, Dataset<Row> rejected, List<Row> counts,
    long trainRows, long keptRows, Map<String, Long> byReason) {
}
