package io.ktp.data;

/**
 * One labelled sentence as a text reader produced it, before tokenizing and splitting.
 *
 * @param id stable identifier, unique within the domain
 * @param label class index
 * @param text the sentence as stored in the raw file
 * @param origin source file and position, for tracing a row back to its raw record
 */
public record TextSample(String id, int label, String text, String origin) {
}
