package dev.outpost.changefeed;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The pgoutput (protocol version 1) messages the feed understands, one record per message type.
 * Tuple contents are checked for shape and then dropped: the feed needs to know which relation
 * changed, never the values (which must not reach logs either).
 */
sealed interface PgOutputMessage {

  /** {@code B}: a transaction starts; {@code finalLsn} is its commit record's position. */
  record Begin(Lsn finalLsn, Instant commitTime, long xid) implements PgOutputMessage {
    public Begin {
      Objects.requireNonNull(finalLsn, "finalLsn");
      Objects.requireNonNull(commitTime, "commitTime");
    }
  }

  /** {@code C}: the transaction committed; {@code endLsn} is where its commit record ends. */
  record Commit(int flags, Lsn commitLsn, Lsn endLsn, Instant commitTime) implements PgOutputMessage {
    public Commit {
      Objects.requireNonNull(commitLsn, "commitLsn");
      Objects.requireNonNull(endLsn, "endLsn");
      Objects.requireNonNull(commitTime, "commitTime");
    }
  }

  /** {@code O}: the transaction was replicated from another origin (ignored). */
  record Origin(Lsn originLsn, String name) implements PgOutputMessage {}

  /** {@code R}: describes relation {@code oid}; sent before its first change in a stream and after it changes. */
  record Relation(long oid, String namespace, String name, char replicaIdentity, List<Column> columns)
      implements PgOutputMessage {
    public Relation {
      Objects.requireNonNull(namespace, "namespace");
      Objects.requireNonNull(name, "name");
      columns = List.copyOf(columns);
    }
  }

  /** One column of a {@link Relation}; {@code flags} 1 marks a replica-identity key column. */
  record Column(int flags, String name, long typeOid, int typeModifier) {}

  /** {@code Y}: describes a data type used by a column (ignored). */
  record Type(long oid, String namespace, String name) implements PgOutputMessage {}

  /** {@code I}: a row of {@code relationOid} was inserted. */
  record Insert(long relationOid, int columns) implements PgOutputMessage {}

  /** {@code U}: a row was updated; {@code oldTuple} is 'K', 'O' or 0 when no old row was sent. */
  record Update(long relationOid, char oldTuple, int columns) implements PgOutputMessage {}

  /** {@code D}: a row was deleted; {@code oldTuple} is 'K' (key columns) or 'O' (whole row). */
  record Delete(long relationOid, char oldTuple, int columns) implements PgOutputMessage {}

  /** {@code T}: the relations were truncated together. */
  record Truncate(List<Long> relationOids, boolean cascade, boolean restartIdentity) implements PgOutputMessage {
    public Truncate {
      relationOids = List.copyOf(relationOids);
    }
  }
}
