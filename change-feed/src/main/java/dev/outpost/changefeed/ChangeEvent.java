package dev.outpost.changefeed;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * What one committed origin transaction changed, as the change feed hands it to its
 * {@link ChangeSink}: the relations whose rows were inserted, updated, deleted or truncated
 * (for a partition also its partitioned ancestors), in the order the stream first named them.
 *
 * <p>Guarantees: {@code relations} is non-empty and unmodifiable unless {@code allRelations} is
 * set. {@code allRelations} marks an event that the feed itself raises when it has to start
 * from a newly created replication slot: changes made before that slot existed were never
 * observed, so everything cached for the database must be treated as changed.
 *
 * @param database the origin database the transaction ran in
 * @param relations the tables the transaction changed (empty only with {@code allRelations})
 * @param allRelations true when every relation of the database must be treated as changed
 * @param xid the origin transaction id (0 for an {@code allRelations} event)
 * @param commitLsn the position of the transaction's commit record ({@link Lsn#INVALID} for an
 *     {@code allRelations} event, which has no WAL position of its own)
 * @param endLsn the end of the commit record: the position the feed confirms to the origin once
 *     the sink has delivered this event ({@link Lsn#INVALID} for an {@code allRelations} event)
 * @param commitTime when the origin committed (the origin's clock)
 */
public record ChangeEvent(String database, Set<TableName> relations, boolean allRelations, long xid,
    Lsn commitLsn, Lsn endLsn, Instant commitTime) {

  /** Checks the fields and freezes the relation set (keeping its order). */
  public ChangeEvent {
    Objects.requireNonNull(database, "database");
    Objects.requireNonNull(commitLsn, "commitLsn");
    Objects.requireNonNull(endLsn, "endLsn");
    Objects.requireNonNull(commitTime, "commitTime");
    relations = Collections.unmodifiableSet(new LinkedHashSet<>(Objects.requireNonNull(relations, "relations")));
    if (relations.isEmpty() && !allRelations) {
      throw new IllegalArgumentException("a change event names at least one relation (or all of them)");
    }
  }

  /**
   * True when the transaction changed the database's schema as far as the feed can tell: it wrote
   * {@link DdlTrigger#TABLE} (DDL recorded by the installed event trigger), or nothing before it
   * was observed ({@code allRelations}).
   */
  public boolean schemaChanged() {
    return allRelations || relations.contains(DdlTrigger.TABLE);
  }

  /** The event raised when the feed starts from a new slot: treat the whole database as changed. */
  public static ChangeEvent everything(String database, Instant now) {
    return new ChangeEvent(database, Set.of(), true, 0, Lsn.INVALID, Lsn.INVALID, now);
  }

  @Override
  public String toString() {
    return "ChangeEvent[" + database + " " + (allRelations ? "<all relations>" : relations)
        + " xid " + xid + " commit " + commitLsn + " end " + endLsn + " at " + commitTime + "]";
  }
}
