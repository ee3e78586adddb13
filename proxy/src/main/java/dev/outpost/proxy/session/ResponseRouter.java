package dev.outpost.proxy.session;

import dev.outpost.cache.sql.SessionCommand;
import dev.outpost.proxy.origin.ServerState;
import dev.outpost.proxy.session.Expectation.Kind;
import dev.outpost.wire.BackendType;
import dev.outpost.wire.Frame;
import dev.outpost.wire.PgBuf;
import dev.outpost.wire.backend.EmptyResponse;
import dev.outpost.wire.backend.ErrorFields;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/**
 * Matches the origin's responses to the session's {@link Expectation} FIFO: passes them to the
 * client, swallows the answers to injected messages, inserts Outpost's own answers at the right
 * place, skips what the origin skipped after an error, and notices the statements that change
 * session state (SET, RESET, DISCARD, DEALLOCATE) so they can be replayed elsewhere
 * (DESIGN §5.3).
 *
 * <p>Settings changed inside a transaction take effect when it ends without error; if it was
 * rolled back (or partly, to a savepoint), the client keeps its previous settings and the backend's
 * state is marked unknown, so the next client to use it starts with RESET ALL.
 */
final class ResponseRouter {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ResponseRouter.class);
  private final ClientSession s;
  /** SET/RESET seen since the last ReadyForQuery 'I'. */
  private final List<SessionCommand> pendingCommands = new ArrayList<>();
  /** An error or ROLLBACK happened since the last ReadyForQuery 'I'. */
  private boolean aborted;
  /**
   * Something changed settings or the role in a way Outpost cannot replay (SET ROLE, set_config(),
   * DO …): a shared backend must be reset before reuse.
   */
  private boolean stateUnknown;
  /**
   * Statements of the open transaction that may write and have been answered, for the
   * invalidation at commit (see {@link Expectation#write}).
   */
  private final List<dev.outpost.cache.sql.Classification> writes = new ArrayList<>();
  /** The open transaction may have written anything (a FunctionCall). */
  private boolean writesEverything;
  /** Since the last ReadyForQuery 'I': a transaction block was open (BEGIN … COMMIT/ROLLBACK). */
  private boolean explicitTransaction;
  /** Since the last ReadyForQuery 'I': an error occurred. */
  private boolean errorSinceIdle;
  /**
   * The tag of the last COMMIT / ROLLBACK / PREPARE TRANSACTION since the last ReadyForQuery 'I'
   * (not ROLLBACK TO SAVEPOINT, which leaves the block open).
   */
  private String endTag;
  /**
   * A statement other than COMMIT / ROLLBACK completed after {@link #endTag}: work of a later
   * transaction (a multi-statement query or a pipeline goes on after a COMMIT or ROLLBACK), which
   * commits unless something later says otherwise.
   */
  private boolean workSinceEnd;
  /**
   * The open block's savepoints, oldest first: each name with the number of {@link
   * #pendingCommands} when it was set, so that ROLLBACK TO forgets only the SETs after it.
   */
  private final List<Savepoint> savepoints = new ArrayList<>();

  private record Savepoint(String name, int pendingCommands) {}
  /** The open transaction sent a schema change with the cache off (see forgetCatalogWhenTransactionEnds). */
  private boolean schemaChanged;

  /** Whether a statement that may write was sent and its transaction has not ended yet. */
  boolean writesInFlight() {
    if (!writes.isEmpty() || writesEverything) {
      return true;
    }
    for (Expectation e : s.expected) {
      if (e.write != null || e.writesEverything) {
        return true;
      }
    }
    return false;
  }

  /** The answer to {@code e} arrived (or it left the queue): a write it may have made joins its transaction's. */
  private void answered(Expectation e) {
    if (e.write != null) {
      writes.add(e.write);
      e.write = null;
    }
    if (e.writesEverything) {
      writesEverything = true;
      e.writesEverything = false;
    }
  }

  /** Something that may change settings or the role behind Outpost's back was sent (see {@link ClientSession#noteUntrackedState}). */
  void noteUntrackedState() {
    stateUnknown = true;
  }

  /**
   * A schema change was sent with the cache off: when the transaction ends (committed or not), the
   * node forgets its catalog facts about the database. With the cache on, the committed change's
   * invalidation does that.
   */
  void forgetCatalogWhenTransactionEnds() {
    schemaChanged = true;
  }

  private void forgetCatalogAfterSchemaChange() {
    if (schemaChanged) {
      schemaChanged = false;
      dev.outpost.proxy.cache.CacheService svc = s.cacheService();
      if (svc != null) {
        svc.forgetCatalog(s.database);
        s.node.metrics().schemaChanged();
      }
    }
  }

  ResponseRouter(ClientSession session) {
    this.s = session;
  }

  /** Handles one frame from the origin (owned by this method). */
  void route(Frame frame) {
    byte t = frame.type();
    BackendType type = BackendType.of(t);
    Expectation head = s.expected.peekFirst();
    if (log.isTraceEnabled()) {
      log.trace("{} <- origin {} (expecting {})", s, type, head);
    }
    if (type.isAsynchronous()) {
      if (type == BackendType.NOTICE_RESPONSE && head != null && head.capture != null) {
        head.capture.fail("notice"); // a replay would lose it
      }
      if (head != null && head.swallow && type != BackendType.NOTIFICATION_RESPONSE) {
        frame.release();
      } else {
        s.toClient(frame);
      }
      return;
    }
    if (type == BackendType.ERROR_RESPONSE) {
      ErrorFields error = ErrorFields.decode(frame.body());
      if (error.isFatal()) {
        // the backend ends: pg_terminate_backend, a shutdown, the origin's idle timeouts. Not a
        // desync, and not the end of the client's session unless it depended on that backend.
        s.originEnded(frame, error);
        return;
      }
    }
    if (head == null) {
      frame.release();
      s.desync("unexpected " + type + " with no request in flight");
      return;
    }
    if (type == BackendType.ERROR_RESPONSE) {
      onError(head, frame);
      return;
    }
    switch (head.kind) {
      case QUERY:
      case FUNCTION_CALL:
        inQuery(head, type, frame);
        break;
      case PARSE:
        single(head, type, BackendType.PARSE_COMPLETE, frame);
        break;
      case BIND:
        single(head, type, BackendType.BIND_COMPLETE, frame);
        break;
      case CLOSE:
        single(head, type, BackendType.CLOSE_COMPLETE, frame);
        break;
      case DESCRIBE_STATEMENT:
        if (head.progress == 0 && type == BackendType.PARAMETER_DESCRIPTION) {
          head.progress = 1;
          pass(head, frame);
        } else if (head.progress == 1 && (type == BackendType.ROW_DESCRIPTION || type == BackendType.NO_DATA)) {
          shown(head, frame);
          if (head.checkColumns != null) {
            checkColumns(head, frame);
          }
          pass(head, frame);
          pop();
          if (head.holdsBind) {
            s.columnsChecked();
          }
        } else {
          unexpected(head, type, frame);
        }
        break;
      case DESCRIBE_PORTAL:
        if (type == BackendType.ROW_DESCRIPTION || type == BackendType.NO_DATA) {
          if (head.capture != null) {
            head.capture.describe(frame);
          }
          shown(head, frame);
          pass(head, frame);
          pop();
        } else {
          unexpected(head, type, frame);
        }
        break;
      case EXECUTE:
        inExecute(head, type, frame);
        break;
      case SYNC:
        if (type == BackendType.READY_FOR_QUERY) {
          ready(head, frame);
        } else {
          unexpected(head, type, frame);
        }
        break;
      default:
        unexpected(head, type, frame);
    }
  }

  private void single(Expectation head, BackendType type, BackendType wanted, Frame frame) {
    if (type != wanted) {
      unexpected(head, type, frame);
      return;
    }
    pass(head, frame);
    pop();
  }

  private void inExecute(Expectation head, BackendType type, Frame frame) {
    ResultCapture capture = head.capture;
    if (capture != null) {
      if (type == BackendType.DATA_ROW) {
        capture.row(frame);
      } else if (type == BackendType.COMMAND_COMPLETE || type == BackendType.PORTAL_SUSPENDED) {
        capture.complete(frame); // the end of the answer to an Execute with a row limit too
      } else {
        capture.fail(type.name());
      }
    }
    switch (type) {
      case DATA_ROW:
      case COPY_OUT_RESPONSE:
      case COPY_DATA:
      case COPY_DONE:
        pass(head, frame);
        break;
      case COPY_IN_RESPONSE:
      case COPY_BOTH_RESPONSE:
        s.copyIn = true;
        dropSyncsIgnoredInCopy(head);
        pass(head, frame);
        break;
      case COMMAND_COMPLETE:
        s.copyIn = false;
        commandComplete(head, frame);
        pass(head, frame);
        s.recordQuery(head.status, head.startNanos);
        pop();
        break;
      case EMPTY_QUERY_RESPONSE:
      case PORTAL_SUSPENDED:
        pass(head, frame);
        s.recordQuery(head.status, head.startNanos);
        pop();
        break;
      default:
        unexpected(head, type, frame);
    }
  }

  private void inQuery(Expectation head, BackendType type, Frame frame) {
    ResultCapture capture = head.capture;
    if (capture != null) {
      switch (type) {
        case ROW_DESCRIPTION:
          capture.describe(frame);
          break;
        case DATA_ROW:
          capture.row(frame);
          break;
        case COMMAND_COMPLETE:
          capture.complete(frame);
          break;
        case READY_FOR_QUERY:
          break;
        default:
          capture.fail(type.name());
      }
    }
    switch (type) {
      case READY_FOR_QUERY:
        ready(head, frame);
        return;
      case COPY_IN_RESPONSE:
      case COPY_BOTH_RESPONSE:
        s.copyIn = true;
        break;
      case COMMAND_COMPLETE:
        s.copyIn = false;
        if (!head.swallow) {
          commandComplete(head, frame);
        }
        head.progress++;
        break;
      case ROW_DESCRIPTION:
      case DATA_ROW:
      case EMPTY_QUERY_RESPONSE:
      case COPY_OUT_RESPONSE:
      case COPY_DATA:
      case COPY_DONE:
      case FUNCTION_CALL_RESPONSE:
        break;
      default:
        unexpected(head, type, frame);
        return;
    }
    pass(head, frame);
  }

  /**
   * An Execute started COPY FROM STDIN. Postgres ignores the Syncs (and Flushes) that reach it in
   * copy-in mode, and libpq sends one behind the Execute (Parse, Bind, Describe, Execute, Sync) and
   * another after CopyDone or CopyFail: the Syncs queued behind this Execute and sent before the
   * copy's end get no ReadyForQuery. A Sync sent after the copy's end (a client that sends the data
   * without waiting for CopyInResponse) is answered. While none of those has been sent, the batch
   * stays open until the client's next Sync, so that the backend is not given back in between.
   */
  private void dropSyncsIgnoredInCopy(Expectation head) {
    java.util.Iterator<Expectation> it = s.expected.iterator();
    if (!it.hasNext() || it.next() != head) {
      return;
    }
    boolean dropped = false;
    boolean answeredSyncQueued = false;
    while (it.hasNext()) {
      Expectation e = it.next();
      if (e.kind != Kind.SYNC || e.swallow) {
        break;
      }
      if (e.copyEndsSent != head.copyEndsSent) {
        answeredSyncQueued = true; // sent after this copy's CopyDone or CopyFail
        break;
      }
      it.remove();
      dropped = true;
    }
    if (dropped && !answeredSyncQueued) {
      s.inBatch = true;
    }
  }

  /** The statement of a multi-statement simple query that produced the current CommandComplete. */
  private static String statementAt(Expectation head) {
    if (head.progress == 0 && head.sql.indexOf(';') < 0) {
      return head.sql;
    }
    List<String> parts = SqlInspector.statements(head.sql);
    return head.progress < parts.size() ? parts.get(head.progress) : null;
  }

  private void onError(Expectation head, Frame frame) {
    aborted = true;
    errorSinceIdle = true;
    s.copyIn = false;
    for (Expectation e : s.expected) {
      if (e.capture != null) {
        e.capture.fail("error");
      }
    }
    switch (head.kind) {
      case QUERY:
      case FUNCTION_CALL:
      case SYNC:
        // The error belongs to this request; ReadyForQuery follows.
        pass(head, frame);
        head.errorSent = true;
        return;
      default:
        break;
    }
    // Extended protocol: the origin now skips everything up to Sync. The client learns of the
    // error even when it came from a message Outpost injected on its behalf.
    if (head.errorAs != null) {
      frame.release();
      s.writeError(head.errorAs);
    } else if (head.suppressed) {
      frame.release(); // the client was already failed in its place
    } else {
      s.toClient(frame);
    }
    while (!s.expected.isEmpty() && s.expected.peekFirst().kind != Kind.SYNC) {
      Expectation skipped = s.expected.pollFirst(); // the failed message first, then those the origin skips
      answered(skipped); // it failed or never ran; counted anyway: invalidating more is safe
      undo(skipped);
      if (skipped.kind == Kind.EXECUTE) {
        // an Execute that failed, or one skipped after its Parse, Bind or Describe failed: a query
        // the client sent all the same, counted once with its status
        s.recordQuery(skipped.status, skipped.startNanos);
      }
    }
    if (s.expected.isEmpty()) {
      s.skipping = true; // the client's Sync has not been forwarded yet
      s.columnsChecked(); // a Bind held for its statement's columns goes on, to be skipped
    } else {
      s.expected.peekFirst().errorSent = true; // the request's Sync
    }
  }

  /** A message that the origin skipped leaves no trace. */
  private void undo(Expectation e) {
    if (e.kind != Kind.PARSE) {
      return;
    }
    ServerState st = s.conn.serverState();
    if (e.serverStatement != null && !e.serverStatement.isEmpty()) {
      st.removePrepared(e.serverStatement);
      ClientStatement cs = e.clientStatement == null ? null : s.forwarder.statements.get(e.clientStatement);
      if (cs != null && e.serverStatement.startsWith(cs.digest + "_")) { // a version of that statement
        s.forwarder.statements.remove(e.clientStatement);
      }
    } else {
      st.unnamedOwner(null);
      if ("".equals(e.clientStatement)) {
        s.forwarder.unnamed = null;
      }
    }
  }

  private void ready(Expectation head, Frame frame) {
    byte status = frame.body().getByte(frame.body().readerIndex());
    s.txnStatus = status;
    if (head.swallow) {
      settingsApplied(head, frame);
      return;
    }
    if (status != 'I') {
      explicitTransaction = true;
    }
    answered(head); // a simple query's or a function call's own write
    if (status == 'I') {
      // read-your-writes: the invalidation is applied before the client learns of the commit
      commitWrites();
      forgetCatalogAfterSchemaChange();
    }
    if (head.capture != null) {
      s.recordQuery(head.capture.finish(status == 'I' && !aborted), head.capture.startNanos());
    }
    if (head.kind == Kind.QUERY || head.kind == Kind.FUNCTION_CALL) {
      s.recordQuery(head.status, head.startNanos);
    }
    pass(head, frame);
    pop();
    if (status == 'I') {
      transactionEnded();
      idleAgain();
    }
    s.maybeRelease();
  }

  /**
   * The end of the settings Outpost sent ahead of the client's request (the only injected simple
   * query). The client's statements behind it were already noted when they were sent — their
   * writes, SETs and untracked changes — but have not run: nothing of theirs is committed or ended
   * here. Only what this answer itself set is cleared; if it failed, the backend's settings are no
   * longer known, and it is reset before its next use.
   */
  private void settingsApplied(Expectation head, Frame frame) {
    if (aborted && s.conn != null) {
      s.conn.serverState().appliedSettings(SessionSettings.UNKNOWN);
    }
    aborted = false;
    idleAgain();
    pass(head, frame);
    pop();
    s.maybeRelease();
  }

  /** Invalidates what the transaction that just ended wrote, if it committed. */
  private void commitWrites() {
    if (writes.isEmpty() && !writesEverything) {
      return;
    }
    // Committed unless it ended in ROLLBACK (which COMMIT of a failed block also reports) or was
    // only prepared for two-phase commit with nothing run after it, or was an implicit transaction
    // that failed. What a COMMIT earlier in the request committed was invalidated at that COMMIT.
    boolean rolledBack = (("ROLLBACK".equals(endTag) || "PREPARE TRANSACTION".equals(endTag)) && !workSinceEnd)
        || (!explicitTransaction && errorSinceIdle);
    if (!rolledBack || writes.stream().anyMatch(ResponseRouter::mayCommitInside)) {
      invalidate(writes, writesEverything, null);
    }
    writes.clear();
    writesEverything = false;
  }

  /**
   * Whether a statement may commit by itself, with no COMMIT tag to show for it: a DO block or a
   * procedure (CALL) may COMMIT inside and then fail or be followed by a ROLLBACK, and what it
   * committed stays committed. (In a multi-statement text, any mention of the two words counts.)
   */
  private static boolean mayCommitInside(dev.outpost.cache.sql.Classification c) {
    String what = c.untrackedStateChange().orElse("");
    if (what.equals("DO") || what.equals("CALL")) {
      return true;
    }
    if (!c.isMultiStatement()) {
      return false;
    }
    String t = c.normalizedText().toLowerCase(java.util.Locale.ROOT);
    return t.contains("call ") || t.contains("do ") || t.contains("do$");
  }

  /**
   * Invalidates what {@code done} wrote, what may have written everything, and what {@code
   * inFlight} (a simple query's whole text, which may also hold statements after a COMMIT) may
   * write.
   */
  private void invalidate(List<dev.outpost.cache.sql.Classification> done, boolean everything,
      dev.outpost.cache.sql.Classification inFlight) {
    dev.outpost.proxy.cache.CacheService svc = s.cacheService();
    if (svc == null) {
      return;
    }
    dev.outpost.proxy.cache.WriteSet all = everything ? dev.outpost.proxy.cache.WriteSet.EVERYTHING
        : dev.outpost.proxy.cache.WriteSet.NOTHING;
    for (dev.outpost.cache.sql.Classification c : done) {
      all = all.and(svc.writeSet(s.catalogLogin(), c));
    }
    if (inFlight != null) {
      all = all.and(svc.writeSet(s.catalogLogin(), inFlight));
    }
    if (!all.isEmpty()) {
      svc.invalidate(s.database, all);
    }
  }

  /**
   * A COMMIT completed (COMMIT of a failed block reports ROLLBACK instead): what the transaction
   * wrote and set is committed now, whatever the rest of the request does — a later ROLLBACK, an
   * error, or the next transaction of COMMIT AND CHAIN. A simple query's own write stays noted as
   * well: its text may hold statements after the COMMIT, which have not run yet.
   */
  private void committed(Expectation head) {
    if (!writes.isEmpty() || writesEverything || (head.kind == Kind.QUERY && head.write != null)) {
      invalidate(writes, writesEverything, head.kind == Kind.QUERY ? head.write : null);
      writes.clear();
      writesEverything = false;
    }
    applyPendingCommands();
    savepoints.clear();
    aborted = false;
  }

  /** Applies the SETs of a transaction that committed to the client's record and the backend's. */
  private void applyPendingCommands() {
    if (pendingCommands.isEmpty()) {
      return;
    }
    for (SessionCommand c : pendingCommands) {
      apply(c);
    }
    if (s.conn != null) {
      ServerState st = s.conn.serverState();
      st.appliedSettings(SessionSettings.serverStateAfter(st.appliedSettings(), pendingCommands));
    }
    pendingCommands.clear();
  }

  /**
   * The origin connection died with the transaction's outcome unknown: a COMMIT may have reached
   * it. Invalidate as if it committed everything (over-invalidating is safe, missing one is not).
   */
  void connectionLost() {
    dev.outpost.proxy.cache.CacheService svc = s.cacheService();
    for (Expectation e : s.expected) {
      answered(e); // sent, outcome unknown: it may have run and committed
    }
    if ((!writes.isEmpty() || writesEverything) && svc != null) {
      svc.invalidate(s.database, dev.outpost.proxy.cache.WriteSet.EVERYTHING);
    }
    writes.clear();
    writesEverything = false;
    forgetCatalogAfterSchemaChange();
    pendingCommands.clear();
    aborted = false;
    if (stateUnknown && s.sharesBackends()) {
      s.settings.trackedAgain(); // the next backend starts from the settings Outpost knows
    }
    stateUnknown = false;
    idleAgain();
  }

  /** Resets the per-transaction bookkeeping after ReadyForQuery 'I'. */
  private void idleAgain() {
    explicitTransaction = false;
    errorSinceIdle = false;
    endTag = null;
    workSinceEnd = false;
    savepoints.clear();
  }

  /** Applies or forgets the settings changed during the transaction that just ended. */
  private void transactionEnded() {
    s.forwarder.portals.clear();
    if (!pendingCommands.isEmpty()) {
      if (aborted) {
        // A dedicated backend rolled its SETs back with the transaction, as the client's record
        // never took them; a shared one is reset to be sure (savepoints make the outcome unclear).
        if (s.conn != null && s.sharesBackends()) {
          s.conn.serverState().appliedSettings(SessionSettings.UNKNOWN);
        }
      } else {
        applyPendingCommands();
      }
      pendingCommands.clear();
    }
    if (stateUnknown && s.sharesBackends()) {
      // The backend is reset before its next use (role included), so the client is back to the
      // settings Outpost knows. A dedicated backend keeps what the client did, as Postgres would.
      if (s.conn != null) {
        s.conn.serverState().appliedSettings(SessionSettings.UNKNOWN);
      }
      s.settings.trackedAgain();
    }
    stateUnknown = false;
    aborted = false;
  }

  private void apply(SessionCommand c) {
    if (c instanceof SessionCommand.SetVariable v && !v.local()) {
      if (OutpostCommands.SETTING.equals(v.name())) {
        // SET outpost.cache inside a transaction went to the origin with it (a placeholder there)
        // and counts now that it committed; a value Outpost does not know turns the cache off
        // for the session rather than leave it on against the client's wish
        Boolean on = OutpostCommands.bool(v.value());
        s.sessionCacheOn = on != null && on;
        return;
      }
      s.settings.set(v.name(), v.value());
    } else if (c instanceof SessionCommand.ResetVariable r) {
      if (OutpostCommands.SETTING.equals(r.name())) {
        s.sessionCacheOn = true;
        return;
      }
      s.settings.reset(r.name());
    } else if (c instanceof SessionCommand.ResetAll) {
      s.settings.resetAll();
      s.sessionCacheOn = true; // RESET ALL resets placeholders too, outpost.cache with them
    }
  }

  /**
   * ROLLBACK, or ROLLBACK TO SAVEPOINT (the same tag). A ROLLBACK ends the transaction: its SETs
   * are gone, and its writes are not invalidated unless more work follows in the request. ROLLBACK
   * TO forgets only the SETs made after the savepoint and makes the block usable again. When the
   * statement cannot be told, it is taken as a ROLLBACK TO of an unknown savepoint: the writes stay
   * noted (invalidating more is safe) and the SETs' outcome is unknown (the backend is reset).
   */
  private void rolledBack(Expectation head) {
    String sql = head.sql == null ? null : head.kind == Kind.QUERY ? statementAt(head) : head.sql;
    List<dev.outpost.cache.sql.Token> words = sql == null ? null : SqlInspector.words(sql);
    boolean toSavepoint = words == null || words.stream().anyMatch(t -> t.isWord("to"));
    if (!toSavepoint) {
      endTag = "ROLLBACK";
      workSinceEnd = false;
      pendingCommands.clear();
      savepoints.clear();
      aborted = false; // the backend's settings are back where they were: nothing to reset
      return;
    }
    workSinceEnd = true;
    String name = words == null || words.isEmpty() ? null : words.get(words.size() - 1).value();
    int at = indexOfSavepoint(name);
    if (at < 0) {
      aborted = true; // SETs of an unknown extent were undone
      return;
    }
    Savepoint sp = savepoints.get(at);
    savepoints.subList(at + 1, savepoints.size()).clear(); // the savepoint itself stays
    pendingCommands.subList(sp.pendingCommands(), pendingCommands.size()).clear();
    aborted = false;
  }

  /** SAVEPOINT name, or RELEASE [SAVEPOINT] name. */
  private void savepoint(Expectation head, String tag) {
    String sql = head.sql == null ? null : head.kind == Kind.QUERY ? statementAt(head) : head.sql;
    List<dev.outpost.cache.sql.Token> words = sql == null ? List.of() : SqlInspector.words(sql);
    String name = words.isEmpty() ? null : words.get(words.size() - 1).value();
    if (tag.equals("SAVEPOINT")) {
      savepoints.add(new Savepoint(name, pendingCommands.size()));
      return;
    }
    int at = indexOfSavepoint(name);
    if (at >= 0) {
      savepoints.subList(at, savepoints.size()).clear(); // its SETs now belong to the enclosing level
    }
  }

  /** The newest savepoint named {@code name} (Postgres uses the newest of equal names), or -1. */
  private int indexOfSavepoint(String name) {
    if (name == null) {
      return -1;
    }
    for (int i = savepoints.size() - 1; i >= 0; i--) {
      if (name.equals(savepoints.get(i).name())) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Whether a CommandComplete tag is one of those that report a row count (they start with a
   * word no tracked tag starts with), decided on the first bytes without decoding the tag.
   */
  static boolean isRowTag(ByteBuf tag) {
    int i = tag.readerIndex();
    if (tag.readableBytes() < 5) {
      return false;
    }
    switch (tag.getByte(i)) {
      case 'I': // INSERT
      case 'U': // UPDATE
      case 'M': // MERGE, MOVE
      case 'F': // FETCH
        return true;
      case 'S': // SELECT, not SET or START TRANSACTION
      case 'D': // DELETE, not DISCARD or DEALLOCATE
        return tag.getByte(i + 1) == 'E' && tag.getByte(i + 2) == 'L';
      case 'C': // COPY, not COMMIT
        return tag.getByte(i + 1) == 'O' && tag.getByte(i + 2) == 'P';
      default:
        return false;
    }
  }

  /** Tracks what a CommandComplete means for the session; the statement's text is split out only for session commands. */
  private void commandComplete(Expectation head, Frame frame) {
    ByteBuf body = frame.body();
    if (isRowTag(body)) {
      workSinceEnd = true;
      return; // SELECT, INSERT, UPDATE, DELETE, MERGE, FETCH, MOVE, COPY: nothing for the session to track
    }
    String tag = PgBuf.readCString(body);
    switch (tag) {
      case "COMMIT" -> {
        endTag = tag;
        workSinceEnd = false;
        committed(head);
        return;
      }
      case "PREPARE TRANSACTION" -> {
        // nothing is committed yet, and the session is out of the transaction: its writes are
        // invalidated by the COMMIT PREPARED that commits them (a write of unknown targets); its
        // SETs stay with the session, as Postgres ends a prepared transaction's settings as at commit
        endTag = tag;
        workSinceEnd = false;
        applyPendingCommands();
        savepoints.clear();
        return;
      }
      case "ROLLBACK" -> {
        rolledBack(head);
        return;
      }
      case "SAVEPOINT", "RELEASE" -> {
        workSinceEnd = true;
        savepoint(head, tag);
        return;
      }
      default -> workSinceEnd = true;
    }
    if (tag.equals("BEGIN") || tag.equals("START TRANSACTION")) {
      explicitTransaction = true;
    }
    if (head.sql == null
        || !(tag.equals("SET") || tag.equals("RESET") || tag.startsWith("DISCARD") || tag.startsWith("DEALLOCATE"))) {
      return;
    }
    String sql = head.kind == Kind.QUERY ? statementAt(head) : head.sql;
    if (sql == null) {
      return;
    }
    for (SessionCommand c : SqlInspector.sessionCommands(sql)) {
      if (c instanceof SessionCommand.SetVariable v) {
        if (!v.local()) {
          pendingCommands.add(c);
        }
      } else if (c instanceof SessionCommand.ResetVariable || c instanceof SessionCommand.ResetAll) {
        pendingCommands.add(c);
      } else if (c instanceof SessionCommand.Discard d) {
        if (d.scope() == SessionCommand.DiscardScope.TEMP) {
          s.temporaryNames.clear(); // DISCARD TEMP dropped them (it cannot run in a transaction)
        }
        if (d.scope() == SessionCommand.DiscardScope.ALL) {
          // DISCARD ALL cannot run in a transaction: it took effect now, on both sides.
          s.settings.resetAll();
          s.sessionCacheOn = true;
          s.temporaryNames.clear(); // dropped with the rest of the session's state
          s.settings.trackedAgain(); // DISCARD ALL also resets the role
          s.uncertainCalls.clear();
          s.forwarder.statements.clear();
          s.forwarder.unnamed = null;
          s.conn.serverState().reset();
          pendingCommands.clear();
        }
      } else if (c instanceof SessionCommand.DeallocateAll) {
        // Not transactional: every prepared statement of the backend is gone, the client's too.
        s.forwarder.statements.clear();
        s.forwarder.unnamed = null;
        s.conn.serverState().clearPrepared();
      } else if (c instanceof SessionCommand.Untrackable u) {
        s.noteUntrackedState(u.feature());
      }
    }
  }

  /**
   * A fresh copy of a client's statement was described: if its columns are not those the client
   * was given, the schema changed them since the client prepared it, and Postgres would fail the
   * statement at its Bind with 0A000 "cached plan must not change result type" (drivers then
   * prepare it again). The statement fails so from now on. A Bind that waited for this answer
   * fails before it reaches the origin; otherwise the execution already on its way is a read that
   * changes nothing when run again (see {@code Forwarder#ensurePrepared}): its answer is dropped
   * and the client gets the error.
   */
  private void checkColumns(Expectation head, Frame frame) {
    ClientStatement cs = head.checkColumns;
    boolean same = dev.outpost.wire.backend.RowDescription.columnsDigest(frame.content().nioBuffer()) == cs.shownColumns;
    s.node.metrics().preparedColumnsChecked(head.holdsBind, !same);
    if (same) {
      return;
    }
    cs.columnsChanged = true;
    if (head.holdsBind) {
      return;
    }
    for (Expectation e : s.expected) { // the head, then the request's Bind, Describe and Execute
      if (e.kind == Kind.SYNC) {
        break;
      }
      if (e != head) {
        e.suppressed = true;
        if (e.capture != null) {
          e.capture.fail("the statement's columns changed");
        }
      }
    }
    s.writeError(Forwarder.cachedPlanChanged());
  }

  /** Notes the columns a client's Describe gives it (an injected Describe's are never shown). */
  private void shown(Expectation head, Frame frame) {
    if (!head.swallow && !head.suppressed && head.described != null) {
      long columns = dev.outpost.wire.backend.RowDescription.columnsDigest(frame.content().nioBuffer());
      head.described.shownColumns = columns;
      s.forwarder.shownColumns.shown(head.described.sql, columns);
    }
  }

  private void pass(Expectation head, Frame frame) {
    if (head.swallow || head.suppressed) {
      frame.release();
    } else {
      s.toClient(frame);
    }
  }

  private void pop() {
    Expectation e = s.expected.pollFirst();
    if (e != null) {
      answered(e);
    }
    emitSynthetic();
  }

  /** Answers the synthetic entries that have reached the head of the queue. */
  void emitSynthetic() {
    Expectation head;
    while ((head = s.expected.peekFirst()) != null && head.isSynthetic()) {
      s.expected.pollFirst();
      if (head.kind == Kind.SYNTH_PARSE_COMPLETE) {
        s.toClient(EmptyResponse.PARSE_COMPLETE);
      } else if (head.kind == Kind.SYNTH_CLOSE_COMPLETE) {
        s.toClient(EmptyResponse.CLOSE_COMPLETE);
      }
    }
  }

  private void unexpected(Expectation head, BackendType type, Frame frame) {
    frame.release();
    s.desync("got " + type + " while waiting for " + head);
  }
}
