package dev.outpost.proxy.session;

import dev.outpost.cache.CacheKey;
import dev.outpost.cache.CacheStatus;
import dev.outpost.cache.CachedResult;
import dev.outpost.cache.FillAbandonedException;
import dev.outpost.cache.FillTicket;
import dev.outpost.cache.Lookup;
import dev.outpost.cache.QueryProtocol;
import dev.outpost.cache.sql.Classification;
import dev.outpost.cache.sql.CodeFacts;
import dev.outpost.cache.sql.TimeLiterals;
import dev.outpost.proxy.cache.CacheService;
import dev.outpost.proxy.cache.ReadPlan;
import dev.outpost.wire.Frame;
import dev.outpost.wire.FrontendType;
import dev.outpost.wire.PgBuf;
import dev.outpost.wire.backend.EmptyResponse;
import dev.outpost.wire.backend.RowDescription;
import dev.outpost.wire.frontend.Bind;
import dev.outpost.wire.frontend.Close;
import dev.outpost.wire.frontend.Describe;
import dev.outpost.wire.frontend.Execute;
import dev.outpost.wire.frontend.Parse;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Decides, at a request boundary (no transaction open, nothing in flight), whether the next
 * request is answered from the cache (DESIGN §6): a simple Query, or an extended batch of the
 * shape {@code [Parse] Bind [Describe portal] Execute [Close portal] Sync} for one read-only
 * statement. Hits and stale hits are replayed at once from the entry's bytes; a miss joins the
 * single flight for its key — the leader's request goes to the origin with a {@link ResultCapture}
 * armed, followers wait (bounded) for the leader's result and fall back to the origin.
 *
 * <pre>
 * pending: P B D E S ──► key ──► lookup ──HIT/STALE──► replay 1 2 T D* C Z   (origin untouched)
 *                                  │
 *                                MISS ──► begin ──leader──► forward + capture ──► fill at Z
 *                                           └────follower──► wait ──► replay, or forward
 * </pre>
 */
final class CachePlanner {
  enum Outcome {
    /** The request was answered; its frames are consumed. */
    SERVED,
    /** Waiting for a single-flight leader; the session resumes when it is done. */
    WAITING,
    /** Send the request to the origin (with a capture armed, or a status chosen). */
    FORWARD
  }

  private final ClientSession s;
  private final CacheService service;

  CachePlanner(ClientSession session, CacheService service) {
    this.s = session;
    this.service = service;
  }

  /**
   * A request as the cache sees it; {@code rowLimit} is the Execute's (0: all rows), {@code
   * closePortal} a Close of the executed portal between the Execute and the Sync.
   */
  private record Request(String sql, QueryProtocol protocol, Parse parse, String statementName, Bind bind,
      boolean describe, int rowLimit, boolean closePortal, int frames) {}

  Outcome plan(Iterator<Frame> batch) {
    Request r = request(batch);
    if (r == null) {
      return Outcome.FORWARD;
    }
    try {
      return plan(r);
    } finally {
      if (r.bind() != null) {
        r.bind().release();
      }
    }
  }

  private Outcome plan(Request r) {
    if (!s.uncertainCalls.isEmpty() && !uncertainCallsResolved()) {
      s.plannedStatus = CacheStatus.UNCACHEABLE; // an earlier call may have changed settings
      return Outcome.FORWARD;
    }
    Classification c = s.classify(r.sql());
    ReadPlan plan = service.planRead(s.catalogLogin(), c, s.sessionCacheOn);
    if (plan == null) {
      s.plannedStatus = CacheStatus.MISS; // catalog facts on their way: this one goes uncached
      return Outcome.FORWARD;
    }
    if (!plan.isCacheable()) {
      s.plannedStatus = plan.refusal();
      return Outcome.FORWARD;
    }
    if (!s.temporaryNames.isEmpty() && (plan.dependencies().allTables()
        || !java.util.Collections.disjoint(plan.dependencies().tables(), s.temporaryNames))) {
      s.plannedStatus = CacheStatus.BYPASS; // the session's temporary table may be what it reads
      return Outcome.FORWARD;
    }
    byte[][] values = r.protocol() == QueryProtocol.EXTENDED ? r.bind().parameterValues() : null;
    short[] formats = values != null ? r.bind().parameterFormats() : null;
    if (values != null && relativeTimeParameter(values)) {
      s.plannedStatus = CacheStatus.VOLATILE; // 'now', 'today' … as a parameter read the clock
      return Outcome.FORWARD;
    }
    if (r.protocol() == QueryProtocol.EXTENDED && !r.describe() && shownColumns(r) == 0) {
      // the client decodes the rows by columns this node never saw it given (a statement described
      // while the cache was off, a text not described lately): only the origin's rows are surely
      // the ones it expects
      s.plannedStatus = CacheStatus.UNCACHEABLE;
      return Outcome.FORWARD;
    }
    CacheKey key = key(r, c, values, formats);
    Lookup lookup = service.cache().lookup(key);
    if (lookup.status() == CacheStatus.STALE && s.settings.hasUntrackedChange()) {
      // the refresh would run on another origin connection, without the state this session's
      // key stands for: read it afresh on the session's own connection instead
      lookup.refresh().ifPresent(FillTicket.Leader::abandon);
    } else if (lookup.status() == CacheStatus.HIT || lookup.status() == CacheStatus.STALE) {
      CachedResult result = lookup.result().orElseThrow();
      if (readable(r, result)) {
        long start = s.requestStartNanos();
        replay(r, result);
        s.recordQuery(lookup.status(), start);
        lookup.refresh().ifPresent(ticket -> {
          if (s.node.paused(s.database)) {
            ticket.abandon(); // PAUSE holds the node's own origin work too: a hit after RESUME refreshes
          } else {
            RefreshQuery.start(s, ticket, plan, r.sql(), r.protocol(), parameterTypes(r), r.bind(), r.rowLimit());
          }
        });
        return Outcome.SERVED;
      }
      // the entry's columns are not the ones the client was given for its statement (a schema
      // change the node did not hear of came between): the origin answers, and its answer
      // replaces the entry
      lookup.refresh().ifPresent(FillTicket.Leader::abandon);
    }
    FillTicket ticket = service.cache().begin(key);
    if (ticket instanceof FillTicket.Leader leader) {
      s.armedCapture = new ResultCapture(leader, plan, r.sql(), service, service.policy().maxEntrySize());
      s.plannedStatus = null; // recorded when the capture finishes
      return Outcome.FORWARD;
    }
    FillTicket.Follower follower = (FillTicket.Follower) ticket;
    long start = s.requestStartNanos();
    long timeout = s.pool.settings().acquireTimeout().toMillis();
    CompletableFuture<CachedResult> wait = follower.result().orTimeout(timeout, TimeUnit.MILLISECONDS);
    s.awaitFill(wait, result -> {
      Request again = request(s.pendingFrames());
      if (again == null) {
        return false; // cannot happen: the batch stayed pending; forward to be safe
      }
      try {
        if (!readable(again, result)) {
          return false; // the leader's columns are not the ones this client expects
        }
        replay(again, result);
      } finally {
        if (again.bind() != null) {
          again.bind().release();
        }
      }
      s.recordQuery(CacheStatus.MISS, start);
      return true;
    });
    return Outcome.WAITING;
  }

  /**
   * Asks the catalog again about the functions earlier statements called before it had described
   * them; false while some are still unknown.
   */
  private boolean uncertainCallsResolved() {
    Iterator<CodeFacts> it = s.uncertainCalls.iterator();
    while (it.hasNext()) {
      switch (service.userCode(s.catalogLogin(), it.next(), s.sharesBackends())) {
        case VOLATILE -> {
          s.noteUntrackedState("a user-defined volatile function");
          it.remove();
        }
        case NONE -> it.remove();
        case NOT_KNOWN_YET -> { }
      }
    }
    return s.uncertainCalls.isEmpty();
  }

  /**
   * The columns the client was last given for the statement a Describe-less extended request
   * executes (a digest; 0: none known): when the request parses the statement, those last given
   * for the same text, which the client kept (pgjdbc parses its named statement at the
   * prepareThreshold-th execution without a Describe); otherwise the statement's own, and for the
   * unnamed statement, if it has none, its text's.
   */
  private long shownColumns(Request r) {
    if (r.parse() != null) {
      return s.forwarder.shownColumns.of(r.parse().sql());
    }
    if (!r.statementName().isEmpty()) {
      ClientStatement cs = s.forwarder.statements.get(r.statementName());
      return cs == null ? 0 : cs.shownColumns;
    }
    ClientStatement cs = s.forwarder.unnamed;
    if (cs == null) {
      return 0;
    }
    return cs.shownColumns != 0 ? cs.shownColumns : s.forwarder.shownColumns.of(cs.sql);
  }

  /**
   * Whether the client can read {@code result}: always when the replay gives it the entry's own
   * description (a simple query, a Describe); otherwise only when the entry's columns are those the
   * client was given for the statement (an entry filled before a schema change this node did not
   * hear of — made around it, without the change feed — may have others: its rows would be
   * decoded by the wrong columns).
   */
  private boolean readable(Request r, CachedResult result) {
    if (r.protocol() == QueryProtocol.SIMPLE || r.describe()) {
      return true;
    }
    long shown = shownColumns(r);
    return shown != 0 && result.rowDescription().map(RowDescription::columnsDigest).orElse(0L) == shown;
  }

  private int[] parameterTypes(Request r) {
    if (r.protocol() == QueryProtocol.SIMPLE) {
      return new int[0];
    }
    return r.parse() != null ? r.parse().parameterTypes() : statementTypes(r);
  }

  private int[] statementTypes(Request r) {
    ClientStatement cs = r.statementName().isEmpty() ? s.forwarder.unnamed : s.forwarder.statements.get(r.statementName());
    return cs == null ? new int[0] : cs.parameterTypes;
  }

  private CacheKey key(Request r, Classification c, byte[][] values, short[] formats) {
    CacheKey.Builder b = CacheKey.builder(s.database, s.user.originUser(), c.normalizedText())
        .canonicalSettings(s.settings.cacheKeySettings())
        .protocol(r.protocol());
    if (r.protocol() == QueryProtocol.EXTENDED) {
      b.parameterTypes(parameterTypes(r))
          .parameterFormats(formats)
          .parameterValues(values)
          .resultFormats(r.bind().resultFormats())
          .rowLimit(r.rowLimit());
    }
    return b.build();
  }

  /**
   * Whether a parameter may be a date/time input such as 'now' (see {@link TimeLiterals}). Binary
   * values count too: the binary form of a text parameter is its characters, and a cast of it to
   * a date/time type reads the clock the same way.
   */
  static boolean relativeTimeParameter(byte[][] values) {
    for (byte[] v : values) {
      if (v != null && TimeLiterals.isRelative(v, 0, v.length)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Reads the head batch without consuming it; null when it is not a single cacheable-shaped
   * request. The Bind (if any) is decoded with a retained tail the caller releases.
   */
  Request request(Iterator<Frame> it) {
    if (!it.hasNext()) {
      return null;
    }
    Frame first = it.next();
    if (s.tooLongToAnalyse(first)) {
      return null; // forwarded, to be refused in order (Forwarder.tooLong)
    }
    if (first.type() == FrontendType.QUERY.code()) {
      return new Request(first.firstString(), QueryProtocol.SIMPLE, null, null, null, false, 0, false, 1);
    }
    Parse parse = null;
    Frame f = first;
    int frames = 1;
    if (f.type() == FrontendType.PARSE.code()) {
      parse = s.parses.of(f);
      if (!parse.statement().isEmpty() && s.forwarder.statements.containsKey(parse.statement())) {
        return null; // duplicate name: the origin must answer that
      }
      if (!it.hasNext()) {
        return null;
      }
      f = it.next();
      frames++;
    }
    if (f.type() != FrontendType.BIND.code()) {
      return null;
    }
    String stmtName = bindStatement(f);
    if (parse != null && !parse.statement().equals(stmtName)) {
      return null;
    }
    String sql;
    if (parse != null) {
      sql = parse.sql();
    } else {
      ClientStatement cs = stmtName.isEmpty() ? s.forwarder.unnamed : s.forwarder.statements.get(stmtName);
      if (cs == null) {
        return null;
      }
      sql = cs.sql;
    }
    String portal = PgBuf.readCString(f.body());
    if (!it.hasNext()) {
      return null;
    }
    Frame next = it.next();
    frames++;
    boolean describe = false;
    if (next.type() == FrontendType.DESCRIBE.code()) {
      Describe d = Describe.decode(next.body());
      if (d.isStatement() || !d.name().equals(portal) || !it.hasNext()) {
        return null;
      }
      describe = true;
      next = it.next();
      frames++;
    }
    if (next.type() != FrontendType.EXECUTE.code()) {
      return null;
    }
    Execute e = Execute.decode(next.body());
    // a row limit (asyncpg's fetchrow() and fetchval() send 1) is part of the key: the answer is the
    // first rows and PortalSuspended, which the Sync then closes, or all of them and CommandComplete
    if (e.maxRows() < 0 || !e.portal().equals(portal) || !it.hasNext()) {
      return null;
    }
    next = it.next();
    frames++;
    boolean closePortal = false;
    if (next.type() == FrontendType.CLOSE.code()) {
      // r2dbc-postgresql closes its named portal before the Sync (which would end it anyway): the
      // answer gains a CloseComplete, nothing else
      if (!closesPortal(next, portal) || !it.hasNext()) {
        return null;
      }
      closePortal = true;
      next = it.next();
      frames++;
    }
    if (next.type() != FrontendType.SYNC.code()) {
      return null;
    }
    Bind bind = Bind.decode(f.body());
    return new Request(sql, QueryProtocol.EXTENDED, parse, stmtName, bind, describe, e.maxRows(), closePortal, frames);
  }

  /** Whether {@code close} closes the portal {@code portal} (a malformed one is the origin's to answer). */
  private static boolean closesPortal(Frame close, String portal) {
    try {
      Close c = Close.decode(close.body());
      return !c.isStatement() && c.name().equals(portal);
    } catch (RuntimeException malformed) {
      return false;
    }
  }

  private static String bindStatement(Frame bind) {
    var body = bind.body();
    PgBuf.skipCString(body);
    return PgBuf.readCString(body);
  }

  /** Answers the request from {@code result} and consumes its frames, updating the client's statements. */
  private void replay(Request r, CachedResult result) {
    List<Frame> frames = new ArrayList<>(r.frames());
    for (int i = 0; i < r.frames(); i++) {
      frames.add(s.takePending());
    }
    try {
      if (r.protocol() == QueryProtocol.SIMPLE) {
        s.toClient(result.rowDescription().orElseThrow());
        s.toClient(result.rowsAndCompletion());
        s.writeReady();
        return;
      }
      ClientStatement cs;
      if (r.parse() != null) {
        cs = r.parse().statement().isEmpty()
            ? ClientStatement.unnamed(r.parse().sql(), r.parse().parameterTypes())
            : ClientStatement.named(r.parse().sql(), r.parse().parameterTypes());
        if (r.parse().statement().isEmpty()) {
          s.forwarder.unnamed = cs;
        } else {
          s.forwarder.statements.put(r.parse().statement(), cs);
        }
        s.toClient(EmptyResponse.PARSE_COMPLETE);
      } else {
        cs = r.statementName().isEmpty() ? s.forwarder.unnamed : s.forwarder.statements.get(r.statementName());
      }
      s.toClient(EmptyResponse.BIND_COMPLETE);
      if (r.describe()) {
        java.nio.ByteBuffer description = result.rowDescription().orElseThrow();
        if (cs != null) {
          long columns = RowDescription.columnsDigest(description); // what the client now decodes the rows by
          cs.shownColumns = columns;
          s.forwarder.shownColumns.shown(cs.sql, columns);
        }
        s.toClient(description);
      }
      s.toClient(result.rowsAndCompletion());
      if (r.closePortal()) {
        s.toClient(EmptyResponse.CLOSE_COMPLETE); // the portal was never opened: nothing else to do
      }
      s.writeReady();
    } finally {
      frames.forEach(Frame::release);
    }
  }

  /** A follower's leader gave up or timed out: the request goes to the origin itself. */
  static boolean isAbandoned(Throwable t) {
    Throwable c = t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
    return c instanceof FillAbandonedException || c instanceof java.util.concurrent.TimeoutException;
  }
}
