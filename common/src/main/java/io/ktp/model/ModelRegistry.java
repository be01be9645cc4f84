package io.ktp.model;

import io.ktp.cli.UserException;
import io.ktp.io.Workspace;
import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The versions of every model in a workspace, with aliases such as {@code production} that point
 * at versions and can be moved and rolled back.
 *
 * <p>Versions are written by {@link ModelStore#save}; the registry reads them, moves aliases and
 * deletes old versions. An alias is an append-only history under
 * {@code models/<name>/aliases/<alias>/}, one file per move created only if absent, so a move is
 * atomic, two movers never both win the same step, and the history is kept. A rollback is one
 * more move that undoes the last promote still in effect; repeated rollbacks walk further back.
 */
public final class ModelRegistry {
  public static final String PRODUCTION = "production";
  public static final String STAGING = "staging";
  public static final String LATEST = "latest";
  private static final Logger LOG = LoggerFactory.getLogger(ModelRegistry.class);
  private static final Pattern VERSION = Pattern.compile("v?(\\d{1,9})");
  /** Maximum number of lost races for one alias move. Each loss means another writer won. */
  private static final int MOVE_ATTEMPTS = 100;
  private static final int LISTED_VERSIONS = 8;

  private final Workspace workspace;
  private final ModelStore store;

  public ModelRegistry(Workspace workspace) {
    this.workspace = workspace;
    this.store = new ModelStore(workspace);
  }

  /**
   * The versions of one model that a retention run keeps and deletes.
   *
   * @param model model name
   * @param latest the {@code keepLatest} highest versions, kept for that reason
   * @param kept every kept version, ascending
   * @param deleted the versions deleted, or to delete in a plan, ascending
   * @param aliased versions kept for aliases, each with the alias names; a name followed by
   *     " rollback" marks the version that alias's rollback would restore
   */
  public record Retention(String model, List<Integer> latest, List<Integer> kept,
      List<Integer> deleted, Map<Integer, List<String>> aliased) {
  }

  /** Returns the names of the models with at least one version, sorted. */
  public List<String> models() throws IOException {
    return store.models();
  }

  /** Returns the versions of a model in ascending order; UserException when it has none. */
  public List<Integer> versions(String name) throws UserException, IOException {
    Workspace.checkName("model", name);
    List<Integer> versions = store.versions(name);
    if (versions.isEmpty()) {
      List<String> models = models();
      throw new UserException("Model '" + name + "' not found under " + workspace.models(name)
          + ": " + (models.isEmpty() ? "the workspace has no models yet"
              : "pick one of " + String.join(", ", models))
          + ", or train it first (for example with 'ktp pretrain')");
    }
    return versions;
  }

  /**
   * Returns the version number that {@code versionOrAlias} names: {@code v3}, {@code 3},
   * {@code latest}, or an alias such as {@code production}. A UserException names the model, the
   * reference and the fix when either is unknown or the alias points at a missing version.
   */
  public int resolve(String name, String versionOrAlias) throws UserException, IOException {
    List<Integer> versions = versions(name);
    String reference = versionOrAlias == null ? "" : versionOrAlias.strip();
    if (reference.equals(LATEST)) {
      return versions.get(versions.size() - 1);
    }
    Matcher number = VERSION.matcher(reference);
    if (number.matches()) {
      int version = Integer.parseInt(number.group(1));
      requireVersion(name, version, versions, "pick one of them");
      return version;
    }
    if (!isAliasName(reference)) {
      throw new UserException("Invalid version '" + versionOrAlias + "' of model '" + name
          + "': use a number such as 3 or v3, 'latest', or an alias name such as production");
    }
    OptionalInt version = alias(name, reference);
    if (version.isEmpty()) {
      throw new UserException("Model '" + name + "' has no alias '" + reference + "': point it"
          + " at a version with 'ktp models promote', or give a version number");
    }
    if (!versions.contains(version.getAsInt())) {
      throw new UserException("Alias '" + reference + "' of model '" + name + "' points at v"
          + version.getAsInt() + ", which is missing (" + describe(versions) + "): promote an"
          + " existing version with 'ktp models promote'");
    }
    return version.getAsInt();
  }

  /** Reads the manifest of one version. */
  public Manifest manifest(String name, int version) throws UserException, IOException {
    requireVersion(name, version, versions(name), "pick one of them");
    return store.manifest(name, version);
  }

  /** Returns the version an alias points at, empty when the alias is not set. */
  public OptionalInt alias(String name, String alias) throws UserException, IOException {
    checkAliasName(alias);
    Optional<AliasMove> current = new AliasLog(workspace, Workspace.checkName("model", name),
        alias).current();
    return current.isPresent() ? OptionalInt.of(current.get().version()) : OptionalInt.empty();
  }

  /** Returns every set alias of a model with the version it points at, by alias name. */
  public Map<String, Integer> aliases(String name) throws UserException, IOException {
    Workspace.checkName("model", name);
    Map<String, Integer> aliases = new TreeMap<>();
    for (String alias : AliasLog.aliases(workspace, name)) {
      Optional<AliasMove> current = new AliasLog(workspace, name, alias).current();
      current.ifPresent(move -> aliases.put(alias, move.version()));
    }
    return aliases;
  }

  /** Returns every move of an alias, oldest first; empty when it was never set. */
  public List<AliasMove> history(String name, String alias) throws UserException, IOException {
    checkAliasName(alias);
    return new AliasLog(workspace, Workspace.checkName("model", name), alias).history();
  }

  /**
   * Points {@code alias} at {@code version} atomically; the version must exist. Returns the
   * version the alias pointed at before, 0 when it was unset.
   */
  public int promote(String name, String alias, int version, String reason)
      throws UserException, IOException {
    checkAliasName(alias);
    requireVersion(name, version, versions(name), "alias '" + alias + "' is unchanged");
    AliasLog log = new AliasLog(workspace, name, alias);

    AliasMove move = append(log, current -> new AliasMove(next(current), version,
        current.map(AliasMove::version).orElse(0), current.map(AliasMove::sequence).orElse(0),
        AliasMove.PROMOTE, reason, now(), user()));
    LOG.info("Moved alias {} of model {} from v{} to v{}", alias, name, move.previous(), version);

    // A prune that ran between the check above and the move may have deleted the version.
    if (!workspace.exists(store.versionFolder(name, version))) {
      String undone = move.restores() > 0
          ? "; the alias was moved back to v" + rollback(name, alias, "undo of a promote to a"
              + " version deleted meanwhile") : "";
      throw new UserException("Model '" + name + "' version " + version + " was deleted while"
          + " alias '" + alias + "' was moved to it" + undone + ": promote an existing version");
    }
    return move.previous();
  }

  /**
   * Points {@code alias} back at the version it pointed at before its last promote that is still
   * in effect, and returns that version. Throws a UserException, leaving the alias unchanged,
   * when the alias is unset, has no earlier version, or that version was deleted.
   */
  public int rollback(String name, String alias, String reason)
      throws UserException, IOException {
    checkAliasName(alias);
    List<Integer> versions = versions(name);
    AliasLog log = new AliasLog(workspace, name, alias);

    AliasMove move = append(log, current -> {
      if (current.isEmpty()) {
        throw new UserException("Model '" + name + "' has no alias '" + alias + "', so there"
            + " is nothing to roll back: point it at a version with 'ktp models promote'");
      }
      if (current.get().restores() == 0) {
        throw new UserException("Alias '" + alias + "' of model '" + name + "' has no earlier"
            + " version to roll back to (it points at v" + current.get().version() + ", its first"
            + " version): promote the version you want with 'ktp models promote'");
      }
      AliasMove target = log.entry(current.get().restores());
      requireVersion(name, target.version(), versions, "alias '" + alias + "' is unchanged;"
          + " promote an existing version instead");
      return new AliasMove(next(current), target.version(), current.get().version(),
          target.restores(), AliasMove.ROLLBACK, reason, now(), user());
    });
    LOG.info("Rolled alias {} of model {} back from v{} to v{}", alias, name, move.previous(),
        move.version());
    return move.version();
  }

  /**
   * Returns what {@link #prune} would keep and delete: it keeps the {@code keepLatest} highest
   * versions, the version of every alias, and the version each alias's rollback would restore.
   */
  public Retention retention(String name, int keepLatest) throws UserException, IOException {
    if (keepLatest < 1) {
      throw new UserException("Invalid value " + keepLatest + " for --keep: must be >= 1, so"
          + " that the latest version is always kept");
    }
    List<Integer> versions = versions(name);
    Map<Integer, List<String>> aliased = protectedVersions(name);
    List<Integer> latest = versions.subList(Math.max(0, versions.size() - keepLatest),
        versions.size());
    List<Integer> kept = new ArrayList<>();
    List<Integer> deleted = new ArrayList<>();
    for (int version : versions) {
      boolean keep = latest.contains(version) || aliased.containsKey(version);
      (keep ? kept : deleted).add(version);
    }
    return new Retention(name, List.copyOf(latest), kept, deleted, aliased);
  }

  /**
   * Deletes the versions that {@link #retention} lists for deletion and returns what it did.
   * Each version folder is first renamed to a hidden name, so a reader sees it whole or not at
   * all. The aliases are then read again, and a version that an alias reached meanwhile is
   * renamed back. Claims stay, so a deleted version number is never reused.
   */
  public Retention prune(String name, int keepLatest) throws UserException, IOException {
    Retention plan = retention(name, keepLatest);
    FileSystem fs = workspace.fs();
    List<Integer> kept = new ArrayList<>(plan.kept());
    List<Integer> deleted = new ArrayList<>();
    for (int version : plan.deleted()) {
      Path folder = store.versionFolder(name, version);
      Path hidden = new Path(workspace.models(name), "_pruned-v" + version + "-"
          + UUID.randomUUID());
      if (!fs.rename(folder, hidden)) {
        continue;
      }
      if (protectedVersions(name).containsKey(version)) {
        if (!fs.rename(hidden, folder)) {
          throw new IOException("Could not rename " + hidden + " back to " + folder
              + ", which an alias now points at: rename it by hand");
        }
        kept.add(version);
        continue;
      }
      fs.delete(hidden, true);
      deleted.add(version);
      LOG.info("Deleted model {} version {}", name, version);
    }
    kept.sort(null);
    return new Retention(name, plan.latest(), kept, deleted, plan.aliased());
  }

  /** Describes the versions of a model for an error message, briefly when there are many. */
  static String describe(List<Integer> versions) {
    if (versions.size() <= LISTED_VERSIONS) {
      return "its versions are " + versions.stream().map(v -> "v" + v)
          .collect(Collectors.joining(", "));
    }
    return "it has " + versions.size() + " versions from v" + versions.get(0) + " to v"
        + versions.get(versions.size() - 1);
  }

  /**
   * Returns the versions that retention must keep for the aliases, each with the reasons: the
   * alias's current version, and the version its rollback would restore.
   */
  private Map<Integer, List<String>> protectedVersions(String name)
      throws UserException, IOException {
    Map<Integer, List<String>> reasons = new TreeMap<>();
    for (String alias : AliasLog.aliases(workspace, name)) {
      AliasLog log = new AliasLog(workspace, name, alias);
      Optional<AliasMove> current = log.current();
      if (current.isEmpty()) {
        continue;
      }
      reasons.computeIfAbsent(current.get().version(), v -> new ArrayList<>()).add(alias);
      if (current.get().restores() > 0) {
        int target = log.entry(current.get().restores()).version();
        reasons.computeIfAbsent(target, v -> new ArrayList<>()).add(alias + " rollback");
      }
    }
    return reasons;
  }

  /** Builds the next move of an alias from its current move. */
  @FunctionalInterface
  private interface MoveBuilder {
    AliasMove next(Optional<AliasMove> current) throws UserException, IOException;
  }

  /**
   * Appends the move that {@code builder} makes from the current one; when another writer moved
   * the alias first, reads the new current move and builds again.
   */
  private static AliasMove append(AliasLog log, MoveBuilder builder)
      throws UserException, IOException {
    for (int attempt = 0; attempt < MOVE_ATTEMPTS; attempt++) {
      AliasMove move = builder.next(log.current());
      if (log.append(move)) {
        return move;
      }
    }
    throw new IOException("Could not move alias " + log.folder() + " after " + MOVE_ATTEMPTS
        + " attempts: other programs keep moving it at the same time");
  }

  private void requireVersion(String name, int version, List<Integer> versions, String fix)
      throws UserException {
    if (!versions.contains(version)) {
      throw new UserException("Model '" + name + "' has no version " + version + " ("
          + describe(versions) + "): " + fix);
    }
  }

  /** Checks an alias name: a model-name-like word that is neither a version nor "latest". */
  public static String checkAliasName(String alias) throws UserException {
    Workspace.checkName("alias", alias);
    if (!isAliasName(alias)) {
      throw new UserException("Invalid alias name '" + alias + "': a version such as 3 or v3,"
          + " and 'latest', are not alias names; use a name such as production");
    }
    return alias;
  }

  private static boolean isAliasName(String alias) {
    try {
      Workspace.checkName("alias", alias);
    } catch (UserException e) {
      return false;
    }
    return !alias.equals(LATEST) && !VERSION.matcher(alias).matches();
  }

  private static int next(Optional<AliasMove> current) {
    return current.map(AliasMove::sequence).orElse(0) + 1;
  }

  private static String now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  private static String user() {
    return System.getProperty("user.name");
  }

  /** Returns the fields in which the manifests of two versions of a model differ. */
  public List<ManifestDiff.Difference> diff(String name, int from, int to)
      throws UserException, IOException {
    return ManifestDiff.compare(manifest(name, from), manifest(name, to));
  }
}
