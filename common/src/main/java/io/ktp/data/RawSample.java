package io.ktp.data;

import java.io.Serializable;

/**
 * One sample as a reader produced it, before harmonization and splitting.
 *
 * @param id stable identifier, unique within the domain
 * @param label class index
 * @param values raw feature values in the reader's own representation
 * @param origin source file and position, for tracing a row back to its raw record
 */
public record RawSample(String id, int label, double[] values, String origin) implements Serializable {
}
