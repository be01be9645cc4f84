package io.ktp.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.ktp.cli.UserException;
import io.ktp.io.ExclusiveFiles;
import io.ktp.io.Workspace;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The history of one alias of one model: an append-only sequence of {@link AliasMove} files
 * under {@code models/<name>/aliases/<alias>/}, each created only if absent, so a move is one
 * atomic file creation and a crash never leaves an alias half-written.
 */
final class AliasLog {
  static final String FOLDER = "aliases";
  private static final Pattern ENTRY = Pattern.compile("(\\d{6,9})\\.json");
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT);
  private static final long MAX_ENTRY_BYTES = 1L << 20;

  private final FileSystem fs;
  private final Path folder;

  AliasLog(Workspace workspace, String model, String alias) {
    this.fs = workspace.fs();
    this.folder = new Path(new Path(workspace.models(model), FOLDER), alias);
  }

  /** Returns the names of the aliases that a model has ever had, sorted. */
  static List<String> aliases(Workspace workspace, String model) throws IOException {
    Path aliases = new Path(workspace.models(model), FOLDER);
    List<String> names = new ArrayList<>();
    if (!workspace.exists(aliases)) {
      return names;
    }
    for (FileStatus status : workspace.fs().listStatus(aliases)) {
      if (status.isDirectory() && !status.getPath().getName().startsWith("_")) {
        names.add(status.getPath().getName());
      }
    }
    Collections.sort(names);
    return names;
  }

  /** Returns the current move, the one with the highest sequence, or empty when unset. */
  Optional<AliasMove> current() throws UserException, IOException {
    List<Integer> sequences = sequences();
    if (sequences.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(entry(sequences.get(sequences.size() - 1)));
  }

  /** Returns every move, oldest first. */
  List<AliasMove> history() throws UserException, IOException {
    List<AliasMove> moves = new ArrayList<>();
    for (int sequence : sequences()) {
      moves.add(entry(sequence));
    }
    return moves;
  }

  /** Reads the move with one sequence number. */
  AliasMove entry(int sequence) throws UserException, IOException {
    Path file = file(sequence);
    String fix = "restore the file from a backup, or delete " + folder + " to unset the alias";
    if (!fs.exists(file)) {
      throw new UserException("Alias entry " + file + " is missing: " + fix);
    }
    if (fs.getFileStatus(file).getLen() > MAX_ENTRY_BYTES) {
      throw new UserException("Alias entry " + file + " is larger than " + MAX_ENTRY_BYTES
          + " bytes: " + fix);
    }
    AliasMove move;
    try (InputStream in = fs.open(file)) {
      move = JSON.readValue(in, AliasMove.class);
    } catch (JsonProcessingException e) {
      throw new UserException("Alias entry " + file + " is not valid JSON ("
          + ModelStore.describe(e) + "): " + fix, e);
    }
    if (move == null || move.sequence() != sequence || move.version() <= 0) {
      throw new UserException("Alias entry " + file + " does not record move " + sequence
          + " to a version number >= 1: " + fix);
    }
    return move;
  }

  /**
   * Writes {@code move} as entry {@code move.sequence()} unless that entry exists; returns false
   * when another writer created it first.
   */
  boolean append(AliasMove move) throws IOException {
    return ExclusiveFiles.createIfAbsent(fs, file(move.sequence()),
        JSON.writeValueAsBytes(move));
  }

  Path folder() {
    return folder;
  }

  private Path file(int sequence) {
    return new Path(folder, String.format(Locale.ROOT, "%06d.json", sequence));
  }

  private List<Integer> sequences() throws IOException {
    return ModelStore.numbers(fs, folder, ENTRY, false);
  }
}
