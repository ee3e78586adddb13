package dev.outpost.changefeed;

import dev.outpost.changefeed.PgOutputDecoder.DecodeException;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns the decoded messages of one replication stream into committed transactions, each with
 * the set of relations it changed.
 *
 * <p>Relation messages are cached by OID for the life of the stream (pgoutput sends one before a
 * relation's first change in a stream, and again after its definition changes). Because
 * pgoutput names the leaf partition a row lives in, each relation is also resolved once to its
 * partitioned ancestors, so that a write to a partition invalidates cached reads of its parent.
 *
 * <p>Guarantees: messages out of protocol order (a change or commit outside a transaction, a
 * nested begin, a change to a relation never described, a commit whose LSN differs from its
 * begin's) throw {@link DecodeException}: the stream is desynchronized and nothing may be
 * skipped silently. Not thread-safe; one per stream.
 */
final class TransactionAssembler {

  /** Resolves a relation to its partitioned ancestors, nearest first (empty for a plain table). */
  @FunctionalInterface
  interface AncestorLookup {
    List<TableName> ancestors(long oid) throws SQLException;

    /** For streams whose tables are known not to be partitions (tests). */
    AncestorLookup NONE = oid -> List.of();
  }

  /** One committed transaction; {@code relations} is empty when it changed nothing the feed reports. */
  record Committed(PgOutputMessage.Begin begin, PgOutputMessage.Commit commit, Set<TableName> relations) {}

  private final AncestorLookup ancestors;
  private final Map<Long, List<TableName>> names = new HashMap<>();
  private final LinkedHashSet<TableName> touched = new LinkedHashSet<>();
  private PgOutputMessage.Begin open;

  TransactionAssembler(AncestorLookup ancestors) {
    this.ancestors = ancestors;
  }

  /** Feeds one message; returns the transaction at its Commit, null otherwise. */
  Committed accept(PgOutputMessage message) throws DecodeException, SQLException {
    if (message instanceof PgOutputMessage.Begin begin) {
      if (open != null) {
        throw new DecodeException("begin of xid " + begin.xid() + " inside open transaction xid " + open.xid());
      }
      open = begin;
      touched.clear();
      return null;
    }
    if (message instanceof PgOutputMessage.Commit commit) {
      requireOpen("commit");
      if (!commit.commitLsn().equals(open.finalLsn())) {
        throw new DecodeException("commit at " + commit.commitLsn() + " does not match the begin of xid " + open.xid()
            + " (final LSN " + open.finalLsn() + ")");
      }
      Committed done = new Committed(open, commit, Collections.unmodifiableSet(new LinkedHashSet<>(touched)));
      open = null;
      touched.clear();
      return done;
    }
    if (message instanceof PgOutputMessage.Relation r) {
      // pg_catalog is sent as an empty namespace; FOR ALL TABLES never publishes it, but be exact.
      TableName self = new TableName(r.namespace().isEmpty() ? "pg_catalog" : r.namespace(), r.name());
      List<TableName> chain = new ArrayList<>();
      chain.add(self);
      chain.addAll(ancestors.ancestors(r.oid()));
      names.put(r.oid(), List.copyOf(chain));
      return null;
    }
    if (message instanceof PgOutputMessage.Insert i) {
      touch("insert", i.relationOid());
    } else if (message instanceof PgOutputMessage.Update u) {
      touch("update", u.relationOid());
    } else if (message instanceof PgOutputMessage.Delete d) {
      touch("delete", d.relationOid());
    } else if (message instanceof PgOutputMessage.Truncate t) {
      for (long oid : t.relationOids()) {
        touch("truncate", oid);
      }
    }
    // Origin and Type carry nothing the cache needs.
    return null;
  }

  /** True between a Begin and its Commit. */
  boolean inTransaction() {
    return open != null;
  }

  /** Commit time of the transaction being received, or null between transactions. */
  Instant openCommitTime() {
    return open == null ? null : open.commitTime();
  }

  private void touch(String what, long oid) throws DecodeException {
    requireOpen(what);
    List<TableName> chain = names.get(oid);
    if (chain == null) {
      throw new DecodeException(what + " of relation " + oid + " which the stream never described");
    }
    touched.addAll(chain);
  }

  private void requireOpen(String what) throws DecodeException {
    if (open == null) {
      throw new DecodeException(what + " outside a transaction");
    }
  }
}
