package dev.outpost.proxy.session;

/**
 * One response (or group of responses) the session waits for from its origin connection, in the
 * order the requests were sent — the FIFO that keeps client and origin in step. Entries marked
 * {@code swallow} belong to messages Outpost injected (a Parse for a statement the backend lacks,
 * settings to re-apply); their responses never reach the client. Synthetic entries produce a
 * response for a message that was answered without the origin.
 */
final class Expectation {
  enum Kind {
    /** ParseComplete. */
    PARSE,
    /** BindComplete. */
    BIND,
    /** ParameterDescription then RowDescription or NoData. */
    DESCRIBE_STATEMENT,
    /** RowDescription or NoData. */
    DESCRIBE_PORTAL,
    /** DataRow* then CommandComplete, EmptyQueryResponse or PortalSuspended (or COPY). */
    EXECUTE,
    /** CloseComplete. */
    CLOSE,
    /** ReadyForQuery. */
    SYNC,
    /** Everything up to and including ReadyForQuery. */
    QUERY,
    /** FunctionCallResponse then ReadyForQuery. */
    FUNCTION_CALL,
    /** Answered by Outpost: ParseComplete for a statement the backend already has. */
    SYNTH_PARSE_COMPLETE,
    /** Answered by Outpost: CloseComplete for a virtual statement. */
    SYNTH_CLOSE_COMPLETE
  }

  final Kind kind;
  final boolean swallow;
  /** Statement text behind an EXECUTE or QUERY, for settings tracking and write detection. */
  final String sql;
  /** PARSE: the client's statement name and the server-side name, to undo on failure. */
  final String clientStatement;
  final String serverStatement;
  /** DESCRIBE_STATEMENT: ParameterDescription seen. QUERY: CommandCompletes seen. */
  int progress;
  /**
   * DESCRIBE_STATEMENT, DESCRIBE_PORTAL sent by the client: the statement whose description the
   * client is given ({@link ClientStatement#shownColumns}); null when not known.
   */
  ClientStatement described;
  /**
   * DESCRIBE_STATEMENT injected after a fresh copy of a client's statement: the statement whose
   * shown columns the copy's must be (see {@link ClientStatement#columnsChanged}).
   */
  ClientStatement checkColumns;
  /** With {@link #checkColumns}: the client's Bind waits for this answer ({@code ClientSession#holdForColumns}). */
  boolean holdsBind;
  /**
   * BIND, DESCRIBE_PORTAL, EXECUTE of a request the node failed itself (a fresh copy with other
   * columns): the origin's answers are not passed on.
   */
  boolean suppressed;
  /** EXECUTE of an error raised on the origin ({@code Forwarder#raise}): the fields the client gets instead. */
  dev.outpost.wire.backend.ErrorFields errorAs;
  /**
   * QUERY, FUNCTION_CALL, SYNC: the client was already given an error for this request, so a lost
   * connection adds only its ReadyForQuery (see {@code ClientSession#onOriginClosed}).
   */
  boolean errorSent;
  /** A cache miss whose result is copied as it passes (QUERY, DESCRIBE_PORTAL, EXECUTE, SYNC). */
  ResultCapture capture;
  /** QUERY, EXECUTE: the cache status to record when the statement is done (null: none, or the capture's). */
  dev.outpost.cache.CacheStatus status;
  /** QUERY, EXECUTE: when the client's request arrived, for the latency histogram. */
  long startNanos;
  /**
   * QUERY, EXECUTE: the statement may write (for the invalidation when its transaction commits).
   * It joins its transaction's writes only once its answer arrives: a request pipelined behind
   * another has not run when the other's ReadyForQuery ends a transaction.
   */
  dev.outpost.cache.sql.Classification write;
  /** FUNCTION_CALL: the call may write anything. */
  boolean writesEverything;
  /**
   * EXECUTE, SYNC: how many CopyDone and CopyFail messages the session had sent to the origin when
   * this request was sent. A Sync sent after an Execute that starts COPY FROM STDIN, with no copy
   * end between them, reaches the origin in copy-in mode and gets no ReadyForQuery.
   */
  long copyEndsSent;

  private Expectation(Kind kind, boolean swallow, String sql, String clientStatement, String serverStatement) {
    this.kind = kind;
    this.swallow = swallow;
    this.sql = sql;
    this.clientStatement = clientStatement;
    this.serverStatement = serverStatement;
  }

  static Expectation of(Kind kind) {
    return new Expectation(kind, false, null, null, null);
  }

  static Expectation swallowed(Kind kind) {
    return new Expectation(kind, true, null, null, null);
  }

  static Expectation parse(String clientStatement, String serverStatement, boolean swallow) {
    return new Expectation(Kind.PARSE, swallow, null, clientStatement, serverStatement);
  }

  static Expectation execute(String sql) {
    return new Expectation(Kind.EXECUTE, false, sql, null, null);
  }

  static Expectation query(String sql, boolean swallow) {
    return new Expectation(Kind.QUERY, swallow, sql, null, null);
  }

  /** Entries that Outpost answers itself as soon as they reach the head of the queue. */
  boolean isSynthetic() {
    return kind == Kind.SYNTH_PARSE_COMPLETE || kind == Kind.SYNTH_CLOSE_COMPLETE;
  }

  /** Entries that end with ReadyForQuery. */
  boolean endsWithReady() {
    return kind == Kind.SYNC || kind == Kind.QUERY || kind == Kind.FUNCTION_CALL;
  }

  @Override
  public String toString() {
    return kind + (swallow ? "(swallow)" : "");
  }
}
