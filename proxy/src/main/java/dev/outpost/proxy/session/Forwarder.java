package dev.outpost.proxy.session;

import dev.outpost.cache.CacheStatus;
import dev.outpost.cache.sql.Classification;
import dev.outpost.cache.sql.CodeFacts;
import dev.outpost.cache.sql.StatementKind;
import dev.outpost.proxy.cache.CacheService;
import dev.outpost.proxy.config.PoolMode;
import dev.outpost.proxy.config.SessionFeaturePolicy;
import dev.outpost.proxy.origin.ServerState;
import dev.outpost.proxy.session.Expectation.Kind;
import dev.outpost.wire.Frame;
import dev.outpost.wire.FrontendType;
import dev.outpost.wire.PgBuf;
import dev.outpost.wire.Sqlstate;
import dev.outpost.wire.backend.ErrorFields;
import dev.outpost.wire.frontend.Bind;
import dev.outpost.wire.frontend.Close;
import dev.outpost.wire.frontend.Describe;
import dev.outpost.wire.frontend.Execute;
import dev.outpost.wire.frontend.Parse;
import dev.outpost.wire.frontend.Query;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns a client's messages into what its current origin backend must receive (DESIGN §5.2,
 * §5.3), adding one {@link Expectation} per response-producing message:
 *
 * <ul>
 *   <li>named statements are virtual: the client's name maps to a server-side name derived from
 *       the statement's text and types; a Parse the backend already has is answered by Outpost, a
 *       Bind or Describe for a statement the backend lacks is preceded by an injected Parse whose
 *       ParseComplete is swallowed; the backend's LRU evicts with an injected Close;
 *   <li>the unnamed statement is re-parsed when the backend's unnamed statement belongs to
 *       someone else;
 *   <li>requests that must fail before doing anything (a feature that needs session pooling, a
 *       duplicate or unknown statement name) fail at the origin through an injected
 *       {@code RAISE}, so that the transaction state is exactly what Postgres would make it.
 * </ul>
 *
 * <p>Owned by one {@link ClientSession}, used on its event loop only.
 */
final class Forwarder {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Forwarder.class);
  private final ClientSession s;
  private final ByteBufAllocator alloc;
  /** The client's named statements. */
  final Map<String, ClientStatement> statements = new HashMap<>();
  /** The client's unnamed statement, or null. */
  ClientStatement unnamed;
  /** The columns the client was last given for its recent statement texts (see {@link CachePlanner}). */
  final ShownColumns shownColumns = new ShownColumns();
  /** Portals bound in the current transaction, to know which statement an Execute runs. */
  final Map<String, ClientStatement> portals = new HashMap<>();
  /** The last text {@link #sessionScopedFeature} was asked about, and its answer. */
  private String lastInspectedSql;
  private Optional<String> lastFeature;
  /** The last text {@link #codeFacts} was asked about, and its answer. */
  private String lastFactsSql;
  private CodeFacts lastFacts;
  /** The last classification {@link #account} saw, and its code facts. */
  private Classification lastClassified;
  private CodeFacts lastClassifiedFacts;
  /** What the catalog said about the user code of the statement last asked about. */
  private final UserCodeMemo userCodeMemo = new UserCodeMemo();
  /** The current extended batch described its portal (so a capture needs no injected Describe). */
  private boolean describedThisBatch;
  /** The current batch opened a transaction block (BEGIN before Sync). */
  private boolean transactionThisBatch;
  /** CopyDone and CopyFail messages sent to the origin so far (see {@link Expectation#copyEndsSent}). */
  private long copyEndsSent;
  /** The statement being forwarded may write: set by {@link #noteEffects}, taken by its expectation. */
  private Classification noted;

  Forwarder(ClientSession session) {
    this.s = session;
    this.alloc = session.client.alloc();
  }

  /**
   * Re-applies the client's settings on a newly acquired backend when they differ from what the
   * backend has, as one swallowed simple query in the same flight as the client's request.
   */
  void applySettings(List<Object> out) {
    ServerState st = s.conn.serverState();
    Map<String, String> desired = s.settings.current();
    String sql = SessionSettings.difference(st.appliedSettings(), desired);
    if (st.takeOthersSequenceState(s)) {
      // currval() and lastval() must not answer with another client's nextval(): they fail as
      // in a session that never called it, unless this client calls nextval() on this backend
      sql = sql == null ? "DISCARD SEQUENCES" : "DISCARD SEQUENCES; " + sql;
    }
    if (sql != null) {
      if (log.isTraceEnabled()) {
        log.trace("{} -> origin settings: {}", s, sql);
      }
      out.add(new Query(sql).encode(alloc));
      s.expected.addLast(Expectation.query(sql, true));
    }
    st.appliedSettings(desired);
  }

  /**
   * The error Postgres would give for {@code f} before executing anything, or null: a feature
   * that needs session pooling (in transaction pooling with policy error), a duplicate statement
   * name, or an unknown one.
   */
  ErrorFields check(Frame f) {
    byte t = f.type();
    ErrorFields tooLong = tooLong(f);
    if (tooLong != null) {
      return tooLong;
    }
    if (t == FrontendType.QUERY.code()) {
      return featureViolation(f.firstString());
    }
    if (t == FrontendType.PARSE.code()) {
      Parse p;
      try {
        p = s.parses.of(f); // decoded once for every later stage
      } catch (RuntimeException malformed) {
        return null; // forwarding decodes it again and answers the protocol violation
      }
      ErrorFields e = featureViolation(p.sql());
      if (e != null) {
        return e;
      }
      String name = p.statement();
      return !name.isEmpty() && statements.containsKey(name) ? duplicate(name) : null;
    }
    if (t == FrontendType.BIND.code()) {
      ByteBuf body = f.body();
      PgBuf.skipCString(body);
      return unknownStatement(PgBuf.readCString(body));
    }
    if (t == FrontendType.DESCRIBE.code()) {
      ByteBuf body = f.body();
      if (body.isReadable() && body.readByte() == Describe.STATEMENT) {
        return unknownStatement(PgBuf.readCString(body));
      }
    }
    return null;
  }

  /**
   * A batch of named Parse messages followed by Sync — what libpq's PQprepare sends — is
   * acknowledged without the origin: the statements are recorded and reach a backend with their
   * first Bind or Describe, where errors in their text surface. This saves a round trip to the
   * origin per prepare and lets a client that prepares synchronously while other clients hold
   * every origin connection (pgbench -M prepared) make progress instead of waiting for one.
   * Returns true when it consumed such a batch from {@code pending}.
   */
  boolean acknowledgeParsesLocally(java.util.Deque<Frame> pending, java.util.function.Consumer<Frame> consumed) {
    int parses = 0;
    boolean syncFollows = false;
    java.util.Set<String> names = new java.util.HashSet<>();
    for (Frame f : pending) {
      byte t = f.type();
      if (t == FrontendType.PARSE.code() && !f.firstString().isEmpty() && check(f) == null
          && names.add(f.firstString())) { // a name twice in one batch: the origin's path answers 42P05
        parses++;
        continue;
      }
      syncFollows = t == FrontendType.SYNC.code() && parses > 0;
      break;
    }
    if (!syncFollows) {
      return false;
    }
    for (int i = 0; i < parses; i++) {
      Frame f = pending.pollFirst();
      consumed.accept(f);
      try {
        Parse p = s.parses.of(f);
        ClientStatement cs = ClientStatement.named(p.sql(), p.parameterTypes());
        cs.acknowledgedLocally = true;
        statements.put(p.statement(), cs);
      } finally {
        f.release();
      }
      s.toClient(dev.outpost.wire.backend.EmptyResponse.PARSE_COMPLETE);
    }
    Frame sync = pending.pollFirst();
    consumed.accept(sync);
    sync.release();
    s.writeReady();
    return true;
  }

  /** The error for a Query or Parse whose text is longer than this node analyses, else null. */
  private ErrorFields tooLong(Frame f) {
    if (!s.tooLongToAnalyse(f)) {
      return null;
    }
    return ErrorFields.of("ERROR", Sqlstate.PROGRAM_LIMIT_EXCEEDED,
        "statement text of " + f.size() + " bytes is longer than this Outpost node analyses ("
            + s.node.textAnalysis().budgetChars() + " bytes; by default a quarter of its heap at "
            + TextAnalysisPool.ANALYSIS_BYTES_PER_CHAR + " bytes of analysis per byte of text, at least 1 MiB)",
        null, "send bulk data with COPY or in smaller statements, or give the node a larger heap"
            + " (OUTPOST_JAVA_OPTS=-Xmx...)");
  }

  private ErrorFields featureViolation(String sql) {
    if (s.mode == PoolMode.SESSION || s.pinned) {
      noteTemporaryObjects(sql);
      return null;
    }
    Optional<String> feature = sessionScopedFeature(sql);
    if (feature.isEmpty()) {
      return null;
    }
    if (s.sessionFeaturePolicy() == SessionFeaturePolicy.PIN) {
      s.pinned = true;
      noteTemporaryObjects(sql);
      return null;
    }
    return ErrorFields.of("ERROR", Sqlstate.FEATURE_NOT_SUPPORTED,
        feature.get() + " is not supported in transaction pooling mode: it needs one origin connection for the"
            + " whole session",
        null, "connect to an Outpost node running with --pool-mode session (or set session-features: pin)");
  }

  private static final SqlInspector.Words TEMPORARY_WORDS = new SqlInspector.Words("temp");

  /**
   * A session that may keep its backend creates a temporary object: reads of its name bypass the
   * cache from now on (see {@link ClientSession#temporaryNames}). Noted when sent, whether or not it
   * succeeds.
   */
  private void noteTemporaryObjects(String sql) {
    if (!SqlInspector.mayMention(sql, TEMPORARY_WORDS)) {
      return;
    }
    Optional<String> feature = sessionScopedFeature(sql);
    if (feature.isPresent() && Classification.isTemporaryObject(feature.get())) {
      for (dev.outpost.cache.sql.TableRef t : s.classify(sql).writeTables()) {
        s.temporaryNames.add(dev.outpost.cache.Dependencies.normalizeName(t.name()));
      }
    }
  }

  private static ErrorFields duplicate(String name) {
    return ErrorFields.of("ERROR", Sqlstate.DUPLICATE_PREPARED_STATEMENT,
        "prepared statement \"" + name + "\" already exists", null, null);
  }

  private ErrorFields unknownStatement(String name) {
    if (name.isEmpty() ? unnamed != null : statements.containsKey(name)) {
      return null;
    }
    return ErrorFields.of("ERROR", Sqlstate.INVALID_SQL_STATEMENT_NAME,
        name.isEmpty() ? "unnamed prepared statement does not exist"
            : "prepared statement \"" + name + "\" does not exist", null, null);
  }

  /** Translates one client message into {@code out} (the frame is consumed). */
  void translate(Frame f, List<Object> out) {
    byte t = f.type();
    if (s.skipping && t != FrontendType.SYNC.code()) {
      f.release(); // the origin skips these after an error; no response will come
      return;
    }
    FrontendType type = FrontendType.of(t);
    if (log.isTraceEnabled()) {
      log.trace("{} -> origin {}", s, type);
    }
    switch (type) {
      case QUERY:
        query(f, out);
        break;
      case PARSE:
        parse(f, out);
        break;
      case BIND:
        bind(f, out);
        break;
      case DESCRIBE:
        describe(f, out);
        break;
      case EXECUTE:
        execute(f, out);
        break;
      case CLOSE:
        close(f, out);
        break;
      case SYNC: {
        s.skipping = false;
        s.inBatch = false;
        out.add(f);
        Expectation e = Expectation.of(Kind.SYNC);
        e.copyEndsSent = copyEndsSent;
        e.capture = s.armedCapture;
        s.armedCapture = null;
        describedThisBatch = false;
        transactionThisBatch = false;
        s.expected.addLast(e);
        break;
      }
      case FLUSH:
        out.add(f);
        break;
      case FUNCTION_CALL:
        out.add(f);
        noteSequenceUse(true);
        s.noteUntrackedState("a fast-path function call"); // … and change settings (set_config)
        Expectation call = Expectation.of(Kind.FUNCTION_CALL);
        call.writesEverything = true; // a function call may write anything
        s.expected.addLast(call);
        break;
      case COPY_DATA:
      case COPY_DONE:
      case COPY_FAIL:
        // always to the origin: a client may send a COPY's data right behind its Query, before the
        // CopyInResponse (asyncpg does), and Postgres reads it once in copy-in mode; outside COPY it
        // ignores these messages, so whether a COPY starts is the origin's to decide, not ours
        out.add(f);
        if (type != FrontendType.COPY_DATA) {
          copyEndsSent++;
        }
        break;
      default:
        f.release();
        s.desync("unexpected client message " + type);
    }
  }

  private void query(Frame f, List<Object> out) {
    ErrorFields error = tooLong(f);
    String sql = null;
    if (error == null) { // a text too long to analyse is not decoded either
      sql = f.firstString();
      error = featureViolation(sql);
    }
    if (error != null) {
      f.release();
      String raise = raiseSql(error);
      out.add(new Query(raise).encode(alloc));
      s.expected.addLast(Expectation.query(raise, false));
      return;
    }
    CacheStatus status = account(sql);
    out.add(f);
    Expectation e = Expectation.query(sql, false);
    e.write = takeWrite();
    e.status = status;
    e.startNanos = s.requestStartNanos();
    e.capture = armedCaptureFor(sql);
    s.armedCapture = null;
    s.expected.addLast(e);
    transactionThisBatch = false;
  }

  /**
   * The armed capture, when it was planned for a request with this text. One planned for another
   * request is given up, never attached: its result would be stored under the other request's key.
   * (That happened when a miss failed without reaching the origin and its capture stayed armed;
   * the session now drops it then, and this check keeps any other path from doing the same.)
   */
  private ResultCapture armedCaptureFor(String sql) {
    ResultCapture c = s.armedCapture;
    if (c == null || c.plannedFor(sql)) {
      return c;
    }
    s.armedCapture = null;
    c.abandon();
    // the statement text may hold secrets: not logged
    log.warn("session {}: a result capture planned for another request was dropped; please report this", s);
    return null;
  }

  /**
   * The feature of {@code sql} that needs session pooling, if any, memoized for the last text (a
   * Parse is checked, then executed): from the off-loop analysis of a long text, from the code
   * facts by shape when the cache is off (they are needed anyway, and a client sending its values
   * inline then costs one scan of each text), else from {@link SqlInspector#sessionScopedFeature}.
   */
  private Optional<String> sessionScopedFeature(String sql) {
    if (!sql.equals(lastInspectedSql)) {
      Optional<String> analyzed = s.analyzedSessionFeature(sql);
      CacheService svc = s.cacheService();
      if (analyzed != null) {
        lastFeature = analyzed;
      } else if (svc != null && !svc.enabled()) {
        // the cache is off: the text's code facts are looked up for it anyway (see account)
        lastFeature = codeFacts(sql).sessionScopedFeature();
      } else {
        lastFeature = SqlInspector.sessionScopedFeature(sql);
      }
      lastInspectedSql = sql;
    }
    return lastFeature;
  }

  /**
   * Notes what in a statement may change settings or the role behind Outpost's back: set_config(),
   * DO, CALL … at once; a user-defined volatile function or operator once the catalog has said so.
   * Until it has, a shared backend is reset after the transaction to be safe, and a dedicated one's
   * session asks again before its next cached read. Answers what the catalog said about user code,
   * including the code a statement runs without naming it (a user-defined cast, type or domain).
   */
  private CacheService.UserCode noteStateChanges(CacheService svc, CodeFacts c) {
    if (c.untrackedStateChange().isPresent()) {
      s.noteUntrackedState(c.untrackedStateChange().get());
      return CacheService.UserCode.NONE;
    }
    CacheService.UserCode code = userCodeMemo.of(svc, s.catalogLogin(), c, s.sharesBackends());
    switch (code) {
      case VOLATILE -> s.noteUntrackedState("a user-defined volatile function");
      case NOT_KNOWN_YET -> {
        if (s.sharesBackends()) {
          s.router.noteUntrackedState();
        } else if (s.uncertainCalls.size() < 64) {
          s.uncertainCalls.add(c);
        } else {
          s.uncertainCalls.clear(); // a burst before the catalog answered: assume the worst
          s.noteUntrackedState("functions the catalog had not described yet");
        }
      }
      case NONE -> { }
    }
    return code;
  }

  /**
   * A schema change was sent. The facts about user code that later statements of its transaction
   * are judged by predate it (a function may just have become one that changes the role), and they
   * are forgotten only when it ends: a shared backend is reset after the transaction, a dedicated
   * session's cache keys become its own until its state is known again.
   */
  private void noteSchemaChangeInTransaction() {
    if (s.sharesBackends()) {
      s.router.noteUntrackedState();
    } else {
      s.noteUntrackedState("a schema change (functions may since do what the catalog said they did not)");
    }
  }

  /** The code facts of {@code c}, memoized for the last classification. */
  private CodeFacts codeFacts(Classification c) {
    if (c != lastClassified) {
      lastClassifiedFacts = CodeFacts.of(c);
      lastClassified = c;
    }
    return lastClassifiedFacts;
  }

  /**
   * The code facts of {@code sql}, memoized for the last text (a client repeating a statement —
   * an unnamed one parsed again each time — asks about the same text again and again) and else by
   * the text's shape: a client sending its values inline is not parsed each time.
   */
  private CodeFacts codeFacts(String sql) {
    if (!sql.equals(lastFactsSql)) {
      lastFacts = s.codeFacts(sql);
      lastFactsSql = sql;
    }
    return lastFacts;
  }

  /**
   * A statement that may call nextval() is being sent: currval() and lastval() on this backend
   * answer with this client's values from now on (see {@link #applySettings}).
   */
  private void noteSequenceUse(boolean mayCallNextval) {
    if (mayCallNextval && s.conn != null && s.sharesBackends()) {
      s.conn.serverState().sequenceOwner(s);
    }
  }

  /**
   * Whether a statement may call nextval(): a write (a column default may), nextval() or setval()
   * by name, user code the catalog calls volatile or has not described yet, SQL the statement runs
   * from text (query_to_xml(), DO …), or a statement of unknown effect. A read that calls only
   * built-in functions and operators does not.
   */
  private static boolean mayCallNextval(CodeFacts c, CacheService.UserCode userCode) {
    if (c.writes() || userCode != CacheService.UserCode.NONE || c.kind() == StatementKind.OTHER
        || c.kind() == StatementKind.SESSION || c.untrackedStateChange().isPresent()) {
      return true;
    }
    for (dev.outpost.cache.sql.FunctionRef f : c.functionCalls()) {
      if (f.name().equals("nextval") || f.name().equals("setval")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Decides the query's one cache status (null for the leader of a fill, whose status is known at
   * its end) and remembers statements that may write, for the invalidation when their transaction
   * commits.
   */
  private CacheStatus account(String sql) {
    CacheService svc = s.cacheService();
    if (sql == null) {
      noteSequenceUse(true);
    }
    if (!svc.enabled()) {
      s.plannedStatus = null;
      if (sql != null && svc.publishesWrites()) {
        // the cache is off here, but other nodes cache: they hear of this node's writes only
        // from the invalidations it publishes when they commit (DESIGN §6.5)
        noteEffects(svc, sql);
      } else if (sql != null && s.sharesBackends()) {
        // the cache is off, but a shared backend must still not carry a role or setting that a
        // user-defined function set to the next client: the catalog says which functions those are
        CodeFacts facts = codeFacts(sql);
        if (facts.schemaChange()) {
          noteSchemaChangeInTransaction();
          s.router.forgetCatalogWhenTransactionEnds(); // no cache invalidation does it with the cache off
        }
        noteSequenceUse(mayCallNextval(facts, noteStateChanges(svc, facts)));
      }
      return CacheStatus.BYPASS;
    }
    CacheStatus status = s.plannedStatus;
    s.plannedStatus = null;
    if (sql == null) {
      return status != null ? status : CacheStatus.UNCACHEABLE;
    }
    Classification c = noteEffects(svc, sql);
    if (status == null && s.armedCapture != null) {
      return null; // the leader of a fill: its status is known when the result is complete
    }
    if (status == null) {
      boolean inTransaction = s.txnStatus != 'I' || transactionThisBatch;
      if (inTransaction) {
        status = CacheStatus.TRANSACTION;
      } else if (c.isMultiStatement()) {
        status = CacheStatus.MULTISTATEMENT;
      } else if (c.kind() == StatementKind.WRITE || c.dataModifyingCte() || c.selectInto()) {
        status = CacheStatus.WRITE;
      } else {
        // a read here is one the planner never looked up (it marks those it does): a request of
        // another shape than one statement and its Sync — pipelined behind others, several
        // Executes before a Sync (libpq's pipeline mode), a portal read in steps — never a miss
        status = CacheStatus.UNCACHEABLE;
      }
    }
    if (c.kind() == StatementKind.TRANSACTION && opensTransaction(c)) {
      transactionThisBatch = true;
    }
    return status;
  }

  /**
   * Notes what {@code sql} does besides answering: a schema change, a change of settings or role
   * behind Outpost's back, and a statement that may write (for the invalidation when its
   * transaction commits).
   */
  private Classification noteEffects(CacheService svc, String sql) {
    Classification c = s.classify(sql);
    if (c.schemaChange()) {
      noteSchemaChangeInTransaction();
    }
    CodeFacts facts = codeFacts(c);
    CacheService.UserCode userCode = noteStateChanges(svc, facts);
    noteSequenceUse(mayCallNextval(facts, userCode));
    // a function call may write; so may an operator, when the catalog says (or has not yet said)
    // that a user-defined volatile function is behind it
    if (c.kind() == StatementKind.WRITE || c.dataModifyingCte() || c.selectInto() || !c.functionCalls().isEmpty()
        || c.writeTargetsUnknown() || userCode != CacheService.UserCode.NONE) {
      noted = c;
    }
    return c;
  }

  /** The write {@link #noteEffects} noted for the request being forwarded, for its expectation. */
  private Classification takeWrite() {
    Classification c = noted;
    noted = null;
    return c;
  }

  private static boolean opensTransaction(Classification c) {
    String t = c.normalizedText().toLowerCase(java.util.Locale.ROOT);
    return t.startsWith("begin") || t.startsWith("start");
  }

  private void parse(Frame f, List<Object> out) {
    s.inBatch = true;
    ErrorFields tooLong = tooLong(f);
    if (tooLong != null) {
      f.release();
      raise(tooLong, out);
      return;
    }
    Parse p;
    try {
      p = s.parses.of(f);
    } catch (RuntimeException e) {
      f.release();
      throw e;
    }
    String name = p.statement();
    ErrorFields error = featureViolation(p.sql());
    if (error == null && !name.isEmpty() && statements.containsKey(name)) {
      error = duplicate(name);
    }
    if (error != null) {
      f.release();
      raise(error, out);
      return;
    }
    ServerState st = s.conn.serverState();
    if (name.isEmpty()) {
      unnamed = ClientStatement.unnamed(p.sql(), p.parameterTypes());
      st.unnamedOwner(unnamed.token);
      out.add(f);
      s.expected.addLast(Expectation.parse("", "", false));
      return;
    }
    f.release();
    ClientStatement cs = ClientStatement.named(p.sql(), p.parameterTypes());
    statements.put(name, cs);
    if (st.preparedSince(cs.digest, cs.parsedAtNanos) != null) {
      s.expected.addLast(Expectation.of(Kind.SYNTH_PARSE_COMPLETE));
    } else {
      prepareOnServer(cs, out, name, false);
    }
  }

  /** Parses a new version of {@code cs} on the backend; returns its server-side name. */
  private String prepareOnServer(ClientStatement cs, List<Object> out, String clientName, boolean swallow) {
    ServerState st = s.conn.serverState();
    String serverName = st.newVersion(cs.digest);
    String evicted = st.addPrepared(serverName);
    if (evicted != null) {
      out.add(new Close(Close.STATEMENT, evicted).encode(alloc));
      s.expected.addLast(Expectation.swallowed(Kind.CLOSE));
    }
    out.add(new Parse(serverName, cs.sql, cs.parameterTypes).encode(alloc));
    s.expected.addLast(Expectation.parse(clientName, serverName, swallow));
    return serverName;
  }

  /**
   * Makes sure the backend has {@code cs} parsed no earlier than the client parsed it, injecting a
   * swallowed Parse when it does not; returns the statement's name on the backend. For a Bind
   * ({@code bind}), a fresh copy of a statement whose columns the client was given is also
   * described (swallowed), to find out whether the schema changed them since (see {@link
   * ClientStatement#columnsChanged}): in the same flight when the execution can be failed in place
   * should they differ — a read of non-volatile code that starts its batch, outside a transaction
   * block, with nothing of the client's in flight, followed by nothing but its Execute and Sync;
   * else with a Flush, and null is returned: the Bind waits for the answer (one round trip, once per
   * statement and origin connection), since a failed write, or a failed statement in a
   * transaction, would have to be undone.
   */
  private String ensurePrepared(ClientStatement cs, String clientName, List<Object> out, boolean bind,
      boolean startsBatch) {
    ServerState st = s.conn.serverState();
    if (cs.isUnnamed()) {
      if (st.unnamedOwner() != cs.token) {
        out.add(new Parse("", cs.sql, cs.parameterTypes).encode(alloc));
        s.expected.addLast(Expectation.parse(null, "", true));
        st.unnamedOwner(cs.token);
      }
      return "";
    }
    String serverName = st.preparedSince(cs.digest, cs.parsedAtNanos);
    if (serverName != null) {
      return serverName;
    }
    // a statement the node acknowledged itself is the client's to lose if the origin refuses it
    serverName = prepareOnServer(cs, out, cs.acknowledgedLocally ? clientName : null, true);
    if (!bind || !columnsMayMatter(cs)) {
      return serverName;
    }
    out.add(new Describe(Describe.STATEMENT, serverName).encode(alloc));
    Expectation check = Expectation.swallowed(Kind.DESCRIBE_STATEMENT);
    check.checkColumns = cs;
    boolean failableInPlace = startsBatch && s.txnStatus == 'I' && nothingInFlight() && s.pendingIsExecuteAndSync()
        && repeatable(cs.sql);
    check.holdsBind = !failableInPlace;
    s.expected.addLast(check);
    if (check.holdsBind) {
      out.add(dev.outpost.wire.frontend.Flush.INSTANCE.encode(alloc)); // answered now; the batch goes on
      return null;
    }
    return serverName;
  }

  /**
   * Nothing the client sent is still unanswered (the node's own settings may be): the transaction
   * status is the one the next message meets.
   */
  private boolean nothingInFlight() {
    for (Expectation e : s.expected) {
      if (!e.swallow) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether a fresh copy of {@code cs} could return rows the client would decode by other columns:
   * a named statement whose result columns the client was given (one that returns no rows — an
   * INSERT, UPDATE or DELETE without RETURNING — has none to decode).
   */
  private static boolean columnsMayMatter(ClientStatement cs) {
    return !cs.isUnnamed() && cs.shownColumns != 0
        && cs.shownColumns != dev.outpost.wire.backend.RowDescription.NO_DATA_DIGEST;
  }

  /**
   * Whether running {@code sql} once more, outside a transaction block, changes nothing a client
   * could notice (see {@link CacheService#repeat}); false while the catalog has not said.
   */
  boolean repeatable(String sql) {
    CacheService svc = s.cacheService();
    return svc != null && svc.repeat(s.catalogLogin(), codeFacts(sql)) == CacheService.Repeat.HARMLESS;
  }

  /**
   * Postgres's error for a prepared statement whose result columns a schema change altered, with
   * its routine, by which pgjdbc and r2dbc-postgresql know to prepare the statement again.
   */
  static ErrorFields cachedPlanChanged() {
    Map<Character, String> f = new java.util.LinkedHashMap<>();
    f.put('S', "ERROR");
    f.put('V', "ERROR");
    f.put('C', Sqlstate.FEATURE_NOT_SUPPORTED.code());
    f.put('M', "cached plan must not change result type");
    f.put('F', "plancache.c");
    f.put('R', "RevalidateCachedQuery");
    return new ErrorFields(f);
  }

  private ClientStatement resolve(String name) {
    return name.isEmpty() ? unnamed : statements.get(name);
  }

  private void bind(Frame f, List<Object> out) {
    boolean startsBatch = !s.inBatch;
    s.inBatch = true;
    Bind b;
    try {
      b = Bind.decode(f.body());
    } catch (RuntimeException e) {
      f.release();
      throw e;
    }
    try {
      ClientStatement cs = resolve(b.statement());
      if (cs == null) {
        raise(unknownStatement(b.statement()), out);
        return;
      }
      if (cs.columnsChanged) {
        raise(cachedPlanChanged(), out, true); // until the client prepares the statement again, as on Postgres
        return;
      }
      String serverName = ensurePrepared(cs, b.statement(), out, true, startsBatch);
      if (serverName == null) {
        s.holdForColumns(f.retain()); // bound again once the origin has described the fresh copy
        return;
      }
      portals.put(b.portal(), cs);
      if (serverName.equals(b.statement())) {
        out.add(f.retain()); // the backend knows the statement by the client's name: forwarded as sent
      } else {
        out.add(b.encodeRenamed(alloc, b.portal(), serverName));
      }
      s.expected.addLast(Expectation.of(Kind.BIND));
    } finally {
      b.release();
      f.release();
    }
  }

  private void describe(Frame f, List<Object> out) {
    s.inBatch = true;
    Describe d;
    try {
      d = Describe.decode(f.body());
    } catch (RuntimeException e) {
      f.release();
      throw e;
    }
    if (!d.isStatement()) {
      out.add(f);
      Expectation e = Expectation.of(Kind.DESCRIBE_PORTAL);
      ClientStatement described = portals.get(d.name());
      e.described = described != null && (!described.isUnnamed() || cacheReadable()) ? described : null;
      e.capture = armedCaptureFor(described == null ? null : described.sql);
      describedThisBatch = e.capture != null;
      s.expected.addLast(e);
      return;
    }
    f.release();
    ClientStatement cs = resolve(d.name());
    if (cs == null) {
      raise(unknownStatement(d.name()), out);
      return;
    }
    out.add(d.withName(ensurePrepared(cs, d.name(), out, false, false)).encode(alloc));
    Expectation e = Expectation.of(Kind.DESCRIBE_STATEMENT);
    e.described = !cs.isUnnamed() || cacheReadable() ? cs : null;
    s.expected.addLast(e);
  }

  /**
   * Whether the cache may answer this session's reads now, so that the descriptions its client is
   * given are worth noting (a statement described while the cache was off has none noted, and its
   * Describe-less executions then go to the origin).
   */
  private boolean cacheReadable() {
    CacheService svc = s.cacheService();
    return svc != null && svc.enabled();
  }

  private void execute(Frame f, List<Object> out) {
    s.inBatch = true;
    String portal = PgBuf.readCString(f.body());
    ClientStatement cs = portals.get(portal);
    CacheStatus status = account(cs == null ? null : cs.sql);
    ResultCapture capture = armedCaptureFor(cs == null ? null : cs.sql);
    if (capture != null && !describedThisBatch) {
      // every stored entry carries its RowDescription, whether or not this client asked for it
      out.add(new Describe(Describe.PORTAL, portal).encode(alloc));
      Expectation d = Expectation.swallowed(Kind.DESCRIBE_PORTAL);
      d.capture = capture;
      s.expected.addLast(d);
    }
    out.add(f);
    Expectation e = Expectation.execute(cs == null ? null : cs.sql);
    e.copyEndsSent = copyEndsSent;
    e.write = takeWrite();
    e.capture = capture;
    e.status = status;
    e.startNanos = s.requestStartNanos();
    s.expected.addLast(e);
  }

  private void close(Frame f, List<Object> out) {
    s.inBatch = true;
    Close c;
    try {
      c = Close.decode(f.body());
    } catch (RuntimeException e) {
      f.release();
      throw e;
    }
    if (c.isStatement() && !c.name().isEmpty()) {
      // The server-side statement stays prepared for whoever needs it next.
      f.release();
      statements.remove(c.name());
      s.expected.addLast(Expectation.of(Kind.SYNTH_CLOSE_COMPLETE));
      return;
    }
    if (c.isStatement()) {
      unnamed = null;
    } else {
      portals.remove(c.name());
    }
    out.add(f);
    s.expected.addLast(Expectation.of(Kind.CLOSE));
  }

  /**
   * Makes the origin fail at this point of an extended-protocol batch with {@code error}: the
   * origin then skips to Sync and sets the transaction state exactly as for any other error.
   */
  private void raise(ErrorFields error, List<Object> out) {
    raise(error, out, false);
  }

  /**
   * Fails the rest of the client's batch with {@code error}, raised on the origin so that it ends
   * the transaction as the client's own error would. With {@code verbatim}, the client gets exactly
   * {@code error}'s fields (a routine a driver looks for included), not the raising DO block's.
   */
  private void raise(ErrorFields error, List<Object> out, boolean verbatim) {
    String sql = raiseSql(error);
    out.add(new Parse("", sql, new int[0]).encode(alloc));
    s.expected.addLast(Expectation.parse(null, "", true));
    ByteBuf bind = alloc.buffer(32);
    int start = PgBuf.beginMessage(bind, FrontendType.BIND.code());
    PgBuf.writeCString(bind, "");
    PgBuf.writeCString(bind, "");
    bind.writeShort(0).writeShort(0).writeShort(0);
    PgBuf.endMessage(bind, start);
    out.add(bind);
    s.expected.addLast(Expectation.swallowed(Kind.BIND));
    out.add(new Execute("", 0).encode(alloc));
    Expectation raised = Expectation.execute(null);
    raised.errorAs = verbatim ? error : null;
    s.expected.addLast(raised);
    s.conn.serverState().unnamedOwner(null);
    s.skipping = true;
  }

  /** A DO block that raises {@code error} with its SQLSTATE, message and hint. */
  static String raiseSql(ErrorFields error) {
    StringBuilder b = new StringBuilder("DO $outpost$BEGIN RAISE EXCEPTION USING ERRCODE = ")
        .append(literal(error.sqlstate())).append(", MESSAGE = ").append(literal(error.message()));
    String hint = error.fields().get('H');
    if (hint != null) {
      b.append(", HINT = ").append(literal(hint));
    }
    return b.append("; END$outpost$").toString();
  }

  private static String literal(String text) {
    return "'" + text.replace("$outpost$", "").replace("'", "''") + "'";
  }
}
