package dev.outpost.cache.sql;

/**
 * What a statement does, at the granularity the proxy routes and caches by.
 *
 * <p>For a multi-statement text the kinds combine by the precedence WRITE &gt; SESSION &gt;
 * TRANSACTION &gt; OTHER &gt; READ &gt; EMPTY (see {@link #combine(StatementKind)}), so a text is
 * READ only if every statement in it is.
 */
public enum StatementKind {
  /** Nothing to execute: empty text, only comments or semicolons. */
  EMPTY,
  /**
   * A query that changes nothing: SELECT (without INTO), WITH … SELECT without a data-modifying
   * CTE, VALUES, TABLE, and parenthesised forms of these. Only READ can be served from the cache.
   */
  READ,
  /**
   * Anything else that neither writes data nor changes session or transaction state: SHOW,
   * EXPLAIN (without ANALYZE of a write), COPY … TO, NOTIFY, LOCK, VACUUM (not FULL), ANALYZE,
   * CHECKPOINT, DECLARE, FETCH, MOVE, CLOSE.
   */
  OTHER,
  /**
   * Transaction control: BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK, ABORT, SAVEPOINT,
   * RELEASE, PREPARE TRANSACTION, COMMIT PREPARED, ROLLBACK PREPARED.
   */
  TRANSACTION,
  /**
   * Changes session state: SET, RESET, DISCARD, DEALLOCATE, LISTEN, UNLISTEN, PREPARE, EXECUTE,
   * LOAD.
   */
  SESSION,
  /**
   * May change data or schema: INSERT, UPDATE, DELETE, MERGE, TRUNCATE, COPY … FROM, all DDL,
   * GRANT/REVOKE, REFRESH MATERIALIZED VIEW, CALL, DO, SELECT … INTO, data-modifying WITH,
   * IMPORT FOREIGN SCHEMA, CLUSTER, REINDEX, VACUUM FULL, EXPLAIN ANALYZE of any of these, and any
   * statement whose verb the classifier does not know.
   */
  WRITE;

  /** The more conservative of two kinds, by the precedence given in the type's documentation. */
  public StatementKind combine(StatementKind other) {
    return rank(other) > rank(this) ? other : this;
  }

  private static int rank(StatementKind k) {
    return switch (k) {
      case EMPTY -> 0;
      case READ -> 1;
      case OTHER -> 2;
      case TRANSACTION -> 3;
      case SESSION -> 4;
      case WRITE -> 5;
    };
  }
}
