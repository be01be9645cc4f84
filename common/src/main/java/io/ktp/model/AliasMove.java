package io.ktp.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One move of a model alias, stored as {@code aliases/<alias>/<sequence>.json} under the model's
 * folder. The entry with the highest sequence number is the alias's current version.
 *
 * @param sequence position in the alias's history, from 1
 * @param version the version the alias points at after this move
 * @param previous the version it pointed at before this move, 0 when it was unset
 * @param restores sequence of the entry that a rollback of this move returns to, 0 when there is
 *     none
 * @param action {@code promote} or {@code rollback}
 * @param reason the text given with the move, or null
 * @param movedAt time of the move, ISO-8601 UTC
 * @param user operating system user that made the move
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AliasMove(
    @JsonProperty("sequence") int sequence,
    @JsonProperty("version") int version,
    @JsonProperty("previous") int previous,
    @JsonProperty("restores") int restores,
    @JsonProperty("action") String action,
    @JsonProperty("reason") String reason,
    @JsonProperty("moved_at") String movedAt,
    @JsonProperty("user") String user) {
  public static final String PROMOTE = "promote";
  public static final String ROLLBACK = "rollback";
}
