/**
 * Drift statistics, the incoming-data transforms of the lifecycle demonstration and the replay
 * reservoir of recalibration. Pure Java, testable without Spark.
 */
package io.ktp.drift;
