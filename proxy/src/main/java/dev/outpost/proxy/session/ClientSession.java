package dev.outpost.proxy.session;

import dev.outpost.cache.CacheStatus;
import dev.outpost.cache.sql.Classification;
import dev.outpost.cache.sql.CodeFacts;
import dev.outpost.proxy.auth.User;
import dev.outpost.proxy.cache.CacheService;
import dev.outpost.proxy.cache.WriteSet;
import dev.outpost.proxy.catalog.CatalogInspector;
import dev.outpost.proxy.config.PoolMode;
import dev.outpost.proxy.config.SessionFeaturePolicy;
import dev.outpost.proxy.origin.OriginConnection;
import dev.outpost.proxy.origin.OriginListener;
import dev.outpost.proxy.origin.OriginPool;
import dev.outpost.proxy.origin.PoolWaiter;
import dev.outpost.proxy.server.OutpostNode;
import dev.outpost.wire.Frame;
import dev.outpost.wire.FrontendType;
import dev.outpost.wire.PgWireException;
import dev.outpost.wire.Sqlstate;
import dev.outpost.wire.backend.BackendMessage;
import dev.outpost.wire.backend.ErrorFields;
import dev.outpost.wire.backend.ErrorResponse;
import dev.outpost.wire.backend.ReadyForQuery;
import dev.outpost.wire.codec.WriteCoalescer;
import dev.outpost.wire.frontend.CancelRequest;
import dev.outpost.wire.frontend.Parse;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.DecoderException;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One authenticated client: receives its requests, borrows an origin connection for them
 * (per transaction or per session), and relays the responses. All state is confined to the
 * client channel's event loop.
 *
 * <pre>
 * simple:    client Q ───────────────────────► origin      (acquire if none held)
 *                   ◄── T D* C … Z ────────────             (release on Z 'I')
 * extended:  client P B D E … S ───────────────► origin    (names virtualized, §5.2)
 *                   ◄── 1 2 T D* C … Z ─────────
 * copy in:   client Q(COPY … FROM STDIN) ─► origin ◄─ G;  client d* c ─►;  ◄─ C Z
 * copy out:  client Q(COPY … TO STDOUT)  ─► origin ◄─ H d* c C Z
 * cancel:    new socket CancelRequest(key) ─► CancelRegistry ─► origin CancelRequest(backend key)
 * </pre>
 *
 * <p>Requests wait in {@code pending} until an origin connection is held; from then on every
 * message is forwarded in order. Each forwarded message adds an {@link Expectation}; responses
 * are matched against that FIFO, which is how injected messages (Parse of a statement the
 * backend lacks, settings to re-apply) are swallowed and synthetic answers are interleaved. A
 * response that matches no expectation is a protocol desync: both connections are closed rather
 * than guessed at.
 */
public final class ClientSession extends ChannelInboundHandlerAdapter implements OriginListener {
  public static final String NAME = "session";
  private static final Logger log = LoggerFactory.getLogger(ClientSession.class);
  /** Pending client bytes above which reading from the client pauses while no connection is held. */
  private static final int PENDING_HIGH_WATER = 1024 * 1024;

  final OutpostNode node;
  final Channel client;
  final User user;
  final String database;
  final OriginPool pool;
  final PoolMode mode;
  final SessionSettings settings;
  private final CancelRegistry.Key cancelKey;
  private final long connectedAtMillis = System.currentTimeMillis();

  /** Client messages not yet forwarded (no origin connection held yet). */
  private final ArrayDeque<Frame> pending = new ArrayDeque<>();
  private long pendingBytes;
  /**
   * The head of {@code pending} is a Bind that waits until the origin has described a fresh copy
   * of its statement (see {@code Forwarder#ensurePrepared}).
   */
  private boolean holdingForColumns;
  /** The FATAL error with which the origin ended the connection running this client's requests. */
  private ErrorFields originFarewell;
  /** What the held origin connection still owes us, in order. */
  final ArrayDeque<Expectation> expected = new ArrayDeque<>();
  final Forwarder forwarder;
  final ResponseRouter router;

  OriginConnection conn;
  private Waiter waiter;
  /** When {@link #state()} last changed: the origin connection taken or given back, the wait begun. */
  private volatile long stateSinceNanos = System.nanoTime();
  /** Transaction status from the last ReadyForQuery. */
  byte txnStatus = 'I';
  /** Extended-protocol messages were sent since the last Sync. */
  boolean inBatch;
  /** An error occurred; the origin skips messages until Sync, so do we. */
  boolean skipping;
  boolean copyIn;
  /** Held for the whole session (session pooling, or pinned by a session feature). */
  boolean pinned;
  private boolean originPaused;
  private boolean clientPaused;
  private boolean needsFlush;
  /** Volatile: the text-analysis pool reads it to skip the texts of sessions that have gone. */
  private volatile boolean closed;
  /** Small messages to the client, copied into one write per flush. */
  private final WriteCoalescer out;
  /** Local answers: skipping a batch that failed before reaching the origin, until its Sync. */
  private boolean localSkipping;

  /** The node's cache (null when caching is off for the node). */
  private final CacheService cacheService;
  private final CachePlanner planner;
  /** A miss whose result will be captured: attached to the next forwarded request. */
  ResultCapture armedCapture;
  /** The cache status the planner chose for the next forwarded request (null: decide when forwarding). */
  CacheStatus plannedStatus;
  /** {@code SET outpost.cache = off} turns the cache off for this session. */
  boolean sessionCacheOn = true;
  /**
   * Names of the temporary relations the session (in session pooling, or pinned) created: one may
   * shadow a shared relation of the same name, whose rows the session then reads under the shared
   * relation's cache key. A read that depends on one of them, or on everything, is neither served
   * from the cache nor stored, until DISCARD ALL drops them.
   */
  final java.util.Set<String> temporaryNames = new java.util.HashSet<>();
  /**
   * Statements this session sent that call functions the catalog had not described yet: until it
   * has, nobody knows whether they changed settings, and the session reads nothing from the cache.
   */
  /** Decodes the client's Parse messages, a repeated one once. */
  final RepeatedParse parses = new RepeatedParse();
  final List<dev.outpost.cache.sql.CodeFacts> uncertainCalls = new ArrayList<>(0);
  /** A single-flight follower's wait for its leader's result. */
  private CompletableFuture<?> fillWait;
  /** After the client left with writes in flight: who waits for their answers (see {@link DisconnectedDrain}). */
  private DisconnectedDrain drain;
  /**
   * Statement texts at least this long are lexed and classified on the node's text-analysis pool
   * before the session goes on with them: on the event loop, at ~80 ns per character, a 10 MB
   * INSERT held every other client of the loop for about a second.
   */
  static final int LONG_TEXT = 64 * 1024;
  /** The analysis of a long text running off the loop; the session waits for it. */
  private CompletableFuture<?> analysisWait;
  /**
   * Long texts of the pending requests, analysed off the loop (a failed analysis with null
   * answers); dropped once nothing is pending.
   */
  private final List<TextAnalysis> analyses = new ArrayList<>(0);
  /** After a failed follower wait, the head request goes to the origin without the planner. */
  private boolean bypassPlannerOnce;
  /** The node is paused and this session's next request needs the origin. */
  private boolean waitingForResume;
  /** The node is shutting down: close as soon as no transaction is open. */
  private boolean closeWhenIdle;
  private CatalogInspector.Login catalogLogin;
  /** When the oldest pending request arrived. */
  private long pendingSinceNanos;
  private final dev.outpost.proxy.metrics.QueryMetrics queryMetrics;

  ClientSession(OutpostNode node, Channel client, User user, String database, OriginPool pool,
      Map<String, String> startupSettings, int cancelSecretLength) {
    this.node = node;
    this.client = client;
    this.out = new WriteCoalescer(client);
    this.user = user;
    this.database = database;
    this.pool = pool;
    this.mode = node.config().poolMode();
    this.pinned = mode == PoolMode.SESSION;
    this.settings = new SessionSettings(startupSettings);
    this.cancelKey = node.cancels().register(this, cancelSecretLength);
    this.cacheService = node.cacheService();
    this.queryMetrics = node.metrics().database(database);
    this.planner = cacheService == null ? null : new CachePlanner(this, cacheService);
    this.forwarder = new Forwarder(this);
    this.router = new ResponseRouter(this);
  }

  CacheService cacheService() {
    return cacheService;
  }

  /** True when the session's backend goes back to the pool between transactions (transaction pooling, not pinned). */
  boolean sharesBackends() {
    return mode == PoolMode.TRANSACTION && !pinned;
  }

  /**
   * The statement being sent may change settings or the role in a way Outpost cannot follow
   * ({@code what} names it). From now on the session's cache keys are its own (no other session
   * shares an entry with it, DESIGN §6.2), and when its backend is shared, that backend is reset
   * before anyone uses it again.
   */
  void noteUntrackedState(String what) {
    if (log.isDebugEnabled()) {
      log.debug("{} ran {}: its settings are no longer all known to Outpost", this, what);
    }
    settings.untrackedChange();
    router.noteUntrackedState();
    node.metrics().untrackedStateChanged();
  }

  /** When the request now being dispatched arrived (approximate for pipelined requests). */
  long requestStartNanos() {
    return pendingSinceNanos;
  }

  /** Records a finished query's cache status and latency (cache statistics and metrics). */
  void recordQuery(CacheStatus status, long startNanos) {
    if (status == null) {
      return;
    }
    if (cacheService != null) {
      cacheService.cache().record(status);
    }
    queryMetrics.record(status, System.nanoTime() - startNanos);
  }

  /**
   * Credentials for catalog look-ups on behalf of this client: the pool's origin role with the
   * password the pool logs in with now (a RELOAD or a later login may have changed it since this
   * session began).
   */
  CatalogInspector.Login catalogLogin() {
    CatalogInspector.Login l = catalogLogin;
    String password = pool.target().password();
    if (l == null || !java.util.Objects.equals(l.password(), password)) {
      l = new CatalogInspector.Login(pool.target().user(), password, database);
      catalogLogin = l;
    }
    return l;
  }

  /** The pending client messages, oldest first (not consumed). */
  java.util.Iterator<Frame> pendingFrames() {
    return pending.iterator();
  }

  /** Removes the oldest pending message; the caller owns it. */
  Frame takePending() {
    Frame f = pending.pollFirst();
    pendingBytes -= f.size();
    return f;
  }

  /**
   * Waits for a single-flight leader's result; {@code replay} answers the head request from it
   * (returning false when it cannot). On failure, timeout or a false replay the request goes to
   * the origin.
   */
  void awaitFill(CompletableFuture<dev.outpost.cache.CachedResult> wait,
      java.util.function.Function<dev.outpost.cache.CachedResult, Boolean> replay) {
    fillWait = wait;
    wait.whenComplete((result, error) -> eventLoop().execute(() -> {
      if (closed || fillWait != wait) {
        return;
      }
      fillWait = null;
      boolean served = false;
      if (error == null && result != null) {
        try {
          served = replay.apply(result);
        } catch (PgWireException e) {
          fatal(e);
          return;
        }
      }
      if (!served) {
        bypassPlannerOnce = true;
        plannedStatus = CacheStatus.MISS;
      }
      dispatch();
      flushClient();
    }));
  }

  CancelRegistry.Key cancelKey() {
    return cancelKey;
  }

  /** The id shown in SHOW CLIENTS (the process id the client got in BackendKeyData). */
  public int id() {
    return cancelKey.processId();
  }

  /** The origin pool this client's requests use. */
  public OriginPool pool() {
    return pool;
  }

  public String userName() {
    return user.name();
  }

  public String database() {
    return database;
  }

  public long connectedAtMillis() {
    return connectedAtMillis;
  }

  public java.net.SocketAddress remoteAddress() {
    return client.remoteAddress();
  }

  /** The request-routing state, for a test's failure message when a client is left waiting. */
  public String routingState() {
    return "pending=" + pending.size() + " expected=" + expected.size() + " conn=" + conn
        + " waiter=" + (waiter != null) + " txn=" + (char) txnStatus + " inBatch=" + inBatch
        + " skipping=" + skipping + " localSkipping=" + localSkipping + " copyIn=" + copyIn
        + " fillWait=" + (fillWait != null) + " analysis=" + (analysisWait != null) + " resume=" + waitingForResume + " originPaused=" + originPaused
        + " clientPaused=" + clientPaused + " writable=" + client.isWritable() + " open=" + client.isActive();
  }

  /** idle, active or in transaction (holding an origin connection), waiting (for one) or paused (held by PAUSE). */
  public String state() {
    if (conn != null) {
      return txnStatus == 'I' ? "active" : "in transaction";
    }
    return waiter != null ? "waiting" : waitingForResume ? "paused" : "idle";
  }

  /**
   * Seconds since the client took its origin connection (active or in transaction: how long it has
   * held it), began waiting for one, or gave its last one back (idle), for SHOW CLIENTS.
   */
  public double stateSeconds() {
    return (System.nanoTime() - stateSinceNanos) / 1e9;
  }

  /** Whether the client holds an origin connection now (active or in transaction), for PAUSE. */
  public boolean holdsOrigin() {
    return conn != null;
  }

  /** The client took or gave back its origin connection, or began to wait for one. */
  private void stateChanged() {
    stateSinceNanos = System.nanoTime();
  }

  @Override
  public EventLoop eventLoop() {
    return client.eventLoop();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    node.sessions().add(this);
    long idleMillis = node.config().clientIdleTimeout().toMillis();
    if (idleMillis > 0) {
      ctx.pipeline().addBefore(NAME, "idle", new io.netty.handler.timeout.IdleStateHandler(0, 0, idleMillis,
          TimeUnit.MILLISECONDS));
    }
  }

  // ---------------------------------------------------------------- client side

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    Frame frame = (Frame) msg;
    if (closed) {
      frame.release();
      return;
    }
    byte type = frame.type();
    if (type == FrontendType.TERMINATE.code()) {
      frame.release();
      ctx.close();
      return;
    }
    if (type == FrontendType.PASSWORD.code()) {
      frame.release();
      fatal(PgWireException.fatal(Sqlstate.PROTOCOL_VIOLATION, "unexpected password message after authentication"));
      return;
    }
    if (pending.isEmpty()) {
      pendingSinceNanos = System.nanoTime();
    }
    pending.addLast(frame);
    pendingBytes += frame.size();
    if (conn == null && pendingBytes > PENDING_HIGH_WATER && !clientPaused) {
      clientPaused = true;
      client.config().setAutoRead(false);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    dispatch();
    flushClient();
  }

  /** Moves pending messages along: forward them, answer them locally, or ask the pool for a connection. */
  void dispatch() {
    try {
      dispatchPending();
    } catch (PgWireException e) {
      fatal(e); // malformed input
      return;
    }
    if (!closed) {
      resumeClientReads();
      if (pending.isEmpty() && !analyses.isEmpty()) {
        analyses.clear(); // every analysed request has been used
      }
    }
  }

  /** A long statement text and what the session asks about it, worked out off the event loop. */
  private record TextAnalysis(String sql, Classification classification, Optional<String> sessionFeature) {}

  /**
   * Starts the analysis of the first pending long text not analysed yet on the node's
   * text-analysis pool, and returns true (the session waits); false when there is none. The
   * session goes on when it is done; a failed analysis leaves the text to the usual path.
   */
  private boolean analyzeLongTextOffLoop() {
    if (cacheService == null) {
      return false;
    }
    for (Frame f : pending) {
      byte t = f.type();
      if (f.size() < LONG_TEXT || (t != FrontendType.QUERY.code() && t != FrontendType.PARSE.code())) {
        continue; // COPY data and long Bind values go their usual way
      }
      if (tooLongToAnalyse(f)) {
        continue; // refused when it is forwarded (Forwarder.tooLong), never decoded for analysis
      }
      String sql;
      if (t == FrontendType.QUERY.code()) {
        sql = f.firstString();
      } else {
        try {
          sql = parses.of(f).sql();
        } catch (RuntimeException malformed) {
          continue; // answered as a protocol violation where it is forwarded
        }
      }
      if (analysisOf(sql) != null) {
        continue; // analysed already (the frame keeps its decoded text: usually the same instance)
      }
      CacheService service = cacheService;
      TextAnalysisPool texts = node.textAnalysis();
      CompletableFuture<TextAnalysis> work = texts.submit(sql.length(), () -> new TextAnalysis(sql,
          service.classify(sql), SqlInspector.sessionScopedFeature(sql)), () -> closed);
      analysisWait = work;
      work.whenComplete((analysis, error) -> eventLoop().execute(() -> {
        if (closed || analysisWait != work) {
          return;
        }
        analysisWait = null;
        analyses.add(analysis != null ? analysis : new TextAnalysis(sql, null, null));
        if (analysis == null) {
          log.warn("client {} ({}@{}): analysing a {}-character statement failed; analysing it on the event loop",
              client.remoteAddress(), user.name(), database, sql.length(), error);
        }
        dispatch();
        flushClient();
      }));
      return true;
    }
    return false;
  }

  /**
   * Whether {@code f} is a Query or Parse whose text is longer than this node analyses (its size in
   * bytes bounds its characters): such a request is refused with SQLSTATE 54000, not classified.
   */
  boolean tooLongToAnalyse(Frame f) {
    byte t = f.type();
    return (t == FrontendType.QUERY.code() || t == FrontendType.PARSE.code())
        && !node.textAnalysis().fits(f.size());
  }

  /** The off-loop analysis of a pending text, or null when it had none. */
  private TextAnalysis analysisOf(String sql) {
    if (sql.length() >= LONG_TEXT) {
      for (TextAnalysis a : analyses) {
        if (a.sql() == sql || a.sql().equals(sql)) {
          return a;
        }
      }
    }
    return null;
  }

  /** {@link CacheService#classify}, answered from the off-loop analysis of a long pending text. */
  Classification classify(String sql) {
    TextAnalysis a = analysisOf(sql);
    return a != null && a.classification() != null ? a.classification() : cacheService.classify(sql);
  }

  /** {@link CacheService#codeFacts}, answered from the off-loop analysis of a long pending text. */
  CodeFacts codeFacts(String sql) {
    TextAnalysis a = analysisOf(sql);
    return a != null && a.classification() != null ? CodeFacts.of(a.classification()) : cacheService.codeFacts(sql);
  }

  /** The session-scoped feature of a long pending text analysed off the loop, or null when it was not. */
  Optional<String> analyzedSessionFeature(String sql) {
    TextAnalysis a = analysisOf(sql);
    return a == null ? null : a.sessionFeature();
  }

  private void dispatchPending() {
    if (closed) {
      return;
    }
    while (!pending.isEmpty()) {
      if (waiter != null || fillWait != null || waitingForResume || analysisWait != null || holdingForColumns) {
        return; // the head request waits for a connection, a single-flight leader, RESUME, its analysis or its columns
      }
      if (analyzeLongTextOffLoop()) {
        return; // resumes when the text is analysed
      }
      if (conn != null && (!expected.isEmpty() || inBatch || txnStatus != 'I' || copyIn)) {
        forwardPending(); // mid-transaction or pipelined: everything goes straight through
        return;
      }
      if (localSkipping) {
        skipLocally(); // consumes up to the batch's Sync, or everything pending
        continue;
      }
      if (!hasBatchBoundary() && pendingBytes <= PENDING_HIGH_WATER) {
        if (conn != null) {
          forwardPending();
        }
        return; // wait for Sync, Flush or a simple query before deciding
      }
      if (answerLocally()) {
        continue;
      }
      if (planner != null && !bypassPlannerOnce && cacheService.enabled()) {
        abandonArmedCapture(); // planned for a request that was answered without the origin, or is planned again
        CachePlanner.Outcome outcome = planner.plan(pending.iterator());
        if (outcome == CachePlanner.Outcome.SERVED) {
          continue;
        }
        if (outcome == CachePlanner.Outcome.WAITING) {
          return;
        }
      }
      bypassPlannerOnce = false;
      if (conn != null) {
        forwardPending();
      } else if (node.paused(database)) {
        waitingForResume = true;
        stateChanged();
        node.waitForResume(this); // PAUSE: requests that need the origin wait
      } else {
        acquire();
      }
      return;
    }
  }

  /**
   * Answers the head of {@code pending} without the origin when that is exact: a lone Sync, or a
   * request that must fail before reaching the origin. Returns true when it consumed something.
   */
  private boolean answerLocally() {
    if (OutpostCommands.answer(this)) {
      return true;
    }
    if (conn != null) {
      return false; // with a backend held, requests (and their errors) go through it
    }
    Frame head = pending.peekFirst();
    byte type = head.type();
    if (type == FrontendType.SYNC.code()) {
      pending.pollFirst().release();
      writeReady();
      return true;
    }
    if (type == FrontendType.COPY_DATA.code() || type == FrontendType.COPY_DONE.code()
        || type == FrontendType.COPY_FAIL.code()) {
      pending.pollFirst().release(); // outside COPY the server ignores these as well
      return true;
    }
    if (type == FrontendType.FLUSH.code() && pending.size() == 1) {
      pending.pollFirst().release();
      return true;
    }
    ErrorFields error = forwarder.check(head);
    if (error == null) {
      return forwarder.acknowledgeParsesLocally(pending, this::consumed);
    }
    pending.pollFirst().release();
    writeError(error);
    if (type == FrontendType.QUERY.code()) {
      writeReady();
    } else {
      localSkipping = true;
      skipLocally();
    }
    return true;
  }

  /** Accounts for a pending frame that was answered locally. */
  private void consumed(Frame f) {
    pendingBytes -= f.size();
  }

  /** Drops pending messages up to the Sync that ends a locally failed batch, and answers it. */
  private void skipLocally() {
    while (localSkipping && !pending.isEmpty()) {
      Frame f = pending.pollFirst();
      boolean sync = f.type() == FrontendType.SYNC.code();
      pendingBytes -= f.size();
      f.release();
      if (sync) {
        localSkipping = false;
        writeReady();
      }
    }
  }

  private boolean hasBatchBoundary() {
    for (Frame f : pending) {
      byte t = f.type();
      if (t == FrontendType.SYNC.code() || t == FrontendType.FLUSH.code() || t == FrontendType.QUERY.code()
          || t == FrontendType.FUNCTION_CALL.code()) {
        return true;
      }
    }
    return false;
  }

  private void forwardPending() {
    forwardPending(new ArrayList<>(pending.size() + 2));
  }

  private void forwardPending(List<Object> out) {
    if (pending.isEmpty()) {
      return;
    }
    if (expected.isEmpty() && !inBatch && txnStatus == 'I' && !copyIn) {
      // between requests: bring the backend's settings in line with the client's (after a
      // RESET the backend holds server defaults, the client its startup values)
      forwarder.applySettings(out);
    }
    Frame f;
    try {
      while (!holdingForColumns && (f = pending.pollFirst()) != null) {
        forwarder.translate(f, out);
      }
    } catch (PgWireException e) {
      // malformed input: nothing of this batch goes out, and the client is closed
      for (Object o : out) {
        io.netty.util.ReferenceCountUtil.release(o);
      }
      fatal(e);
      return;
    }
    pendingBytes = 0;
    for (Frame held : pending) { // what waits behind a held Bind
      pendingBytes += held.size();
    }
    if (!out.isEmpty()) {
      conn.send(out);
    }
    router.emitSynthetic();
    resumeClientReads();
    if (conn != null && !conn.isWritable() && !clientPaused) {
      clientPaused = true;
      client.config().setAutoRead(false);
    }
    maybeRelease();
  }

  /**
   * Puts the client's Bind back at the head of {@code pending}: it waits until the origin has
   * described a fresh copy of its statement; the rest of the client's messages wait behind it.
   */
  void holdForColumns(Frame bind) {
    pending.addFirst(bind);
    holdingForColumns = true;
  }

  /**
   * The origin has described the fresh copy a held Bind waited for (or failed to parse it, and now
   * skips to the client's Sync): the Bind goes on.
   */
  void columnsChecked() {
    if (holdingForColumns) {
      holdingForColumns = false;
      dispatch();
    }
  }

  /**
   * Whether the pending messages are exactly an optional Describe of a portal, an Execute and a
   * Sync: what follows a Bind that is a request of its own.
   */
  boolean pendingIsExecuteAndSync() {
    java.util.Iterator<Frame> it = pending.iterator();
    Frame next = it.hasNext() ? it.next() : null;
    if (next != null && next.type() == FrontendType.DESCRIBE.code()) {
      next = it.hasNext() ? it.next() : null;
    }
    if (next == null || next.type() != FrontendType.EXECUTE.code()) {
      return false;
    }
    next = it.hasNext() ? it.next() : null;
    return next != null && next.type() == FrontendType.SYNC.code() && !it.hasNext();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (client.isWritable() && originPaused) {
      originPaused = false;
      if (conn != null) {
        conn.autoRead(true);
      }
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof io.netty.handler.timeout.IdleStateEvent) {
      if (txnStatus == 'I' && expected.isEmpty() && pending.isEmpty() && waiter == null && fillWait == null
          && analysisWait == null) {
        fatal(new PgWireException(Sqlstate.IDLE_SESSION_TIMEOUT,
            "terminating connection due to idle-session timeout (client-idle-timeout is "
                + node.config().clientIdleTimeout().toMillis() + " ms)", null, "reconnect", true));
      }
      return;
    }
    if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
      ctx.close(); // the client will send nothing more: same as Terminate
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    shutdownLocally();
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
    if (c instanceof PgWireException pe) {
      if (pe.sqlstate() == Sqlstate.OUT_OF_MEMORY) {
        // a large message refused by the node's budget for them (MessageMemory)
        log.warn("client {} ({}@{}): {}. If this recurs, give the node more heap (-Xmx, which also bounds its"
            + " direct memory; large messages may hold half of it) or lower max-message-size", client.remoteAddress(),
            user.name(), database, pe.getMessage());
      }
      fatal(pe);
    } else if (c instanceof java.io.IOException) {
      ctx.close();
    } else if (c instanceof OutOfMemoryError oom) {
      // resource exhaustion, not a bug: say which memory and what helps, without a stack trace
      log.warn("client {} ({}@{}): out of memory ({}); closing the connection. Give the node more heap"
              + " (-Xmx, which also bounds its direct memory) or lower max-message-size", client.remoteAddress(),
          user.name(), database, oom.getMessage());
      fatal(new PgWireException(Sqlstate.OUT_OF_MEMORY, "out of memory in Outpost: " + oom.getMessage(), null,
          "retry later; if it recurs, the node's operator should give it more memory or lower max-message-size",
          true));
    } else {
      log.error("client {} ({}@{}): unexpected failure; closing the connection", client.remoteAddress(),
          user.name(), database, c);
      fatal(PgWireException.fatal(Sqlstate.INTERNAL_ERROR, "internal error in Outpost: " + c));
    }
  }

  /** Closes the client after telling it why. */
  void fatal(PgWireException e) {
    if (closed) {
      return;
    }
    ErrorFields fields = e.toErrorFields();
    if (!fields.isFatal()) {
      Map<Character, String> f = new java.util.LinkedHashMap<>(fields.fields());
      f.put('S', "FATAL");
      f.put('V', "FATAL");
      fields = new ErrorFields(f);
    }
    out.drain(); // what the client was already sent comes before the error
    client.writeAndFlush(new ErrorResponse(fields).encode(client.alloc())).addListener(ChannelFutureListener.CLOSE);
    shutdownLocally();
  }

  /** The node resumed after PAUSE; called from any thread. */
  public void resumed() {
    eventLoop().execute(() -> {
      waitingForResume = false;
      dispatch();
      flushClient();
    });
  }

  /** Graceful shutdown: closes now when no transaction is open, else when it ends. Any thread. */
  public void closeWhenIdle() {
    eventLoop().execute(() -> {
      closeWhenIdle = true;
      closeIfIdleForShutdown();
    });
  }

  private void closeIfIdleForShutdown() {
    if (closeWhenIdle && !closed && txnStatus == 'I' && expected.isEmpty() && !inBatch && !copyIn) {
      fatal(new PgWireException(Sqlstate.ADMIN_SHUTDOWN,
          "terminating connection because Outpost is shutting down", null, "reconnect to another node", true));
    }
  }

  /**
   * Ends the client's connection at an administrator's request ({@code command}: KILL CLIENT, KILL
   * db), as Postgres's pg_terminate_backend() would: FATAL 57P01; its origin connection is closed if
   * a transaction was open (the origin rolls it back) and goes back to the pool otherwise. Any
   * thread.
   */
  public void terminate(String command) {
    eventLoop().execute(() -> {
      if (!closed) {
        log.info("client {} ({}@{}, {} for {} s): ended by {}", client.remoteAddress(), user.name(), database,
            state(), String.format(java.util.Locale.ROOT, "%.1f", stateSeconds()), command);
      }
      fatal(new PgWireException(Sqlstate.ADMIN_SHUTDOWN, "terminating connection due to administrator command",
          "an Outpost administrator ended this client connection (" + command + "); an open transaction is rolled back",
          null, true));
    });
  }

  /** Closes the client connection (node shutdown); called from any thread. */
  public void shutdown() {
    eventLoop().execute(() -> fatal(new PgWireException(Sqlstate.ADMIN_SHUTDOWN,
        "terminating connection because Outpost is shutting down", null, null, true)));
  }

  private void shutdownLocally() {
    if (closed) {
      return;
    }
    closed = true;
    out.discard();
    node.sessions().remove(this);
    node.cancels().unregister(cancelKey.processId());
    Frame f;
    while ((f = pending.pollFirst()) != null) {
      f.release();
    }
    if (waiter != null) {
      waiter.giveUp();
      waiter = null;
    }
    abandonCaptures();
    if (conn != null) {
      OriginConnection c = conn;
      boolean clean = expected.isEmpty() && txnStatus == 'I' && !copyIn && !inBatch;
      int readiesDue = 0;
      for (Expectation e : expected) {
        readiesDue += e.endsWithReady() ? 1 : 0;
      }
      // only where a cache hears of writes (a fast-path call is noted as a write even with it off)
      boolean keepForDrain = readiesDue > 0 && !copyIn && router.writesInFlight()
          && cacheService != null && cacheService.publishesWrites();
      if (!clean) {
        // a write already sent may still commit at the origin, with nobody left to see its end
        router.connectionLost();
      }
      conn = null;
      if (originPaused) {
        c.autoRead(true);
      }
      if (keepForDrain) {
        // … and it does so before its backend notices that the client left: invalidate again after
        drain = DisconnectedDrain.start(c, readiesDue, node.config().abandonedWriteTimeout(), () -> cancelAtOrigin(c),
            outcome -> {
              node.metrics().abandonedWriteEnded(outcome);
              cacheService.invalidate(database, WriteSet.EVERYTHING);
              pool.release(c, false);
            });
      } else {
        // A backend still busy with this client's work cannot be handed to anyone else.
        pool.release(c, clean, pinned && mode != PoolMode.SESSION);
      }
    }
    expected.clear();
  }

  /**
   * Gives up a capture that was armed for a request not (yet) forwarded. A capture belongs to the
   * request it was planned for: kept past that request's failure, it was attached to the session's
   * next forwarded request and stored that request's result under the planned key (a wrong hit),
   * and its single-flight followers waited the whole acquire timeout.
   */
  private void abandonArmedCapture() {
    if (armedCapture != null) {
      armedCapture.abandon();
      armedCapture = null;
    }
  }

  /** Gives up every result capture in flight (client or connection gone). */
  void abandonCaptures() {
    abandonArmedCapture();
    for (Expectation e : expected) {
      if (e.capture != null) {
        e.capture.abandon();
      }
    }
  }

  // ---------------------------------------------------------------- pool

  private void acquire() {
    OriginConnection idle = pool.tryTakeIdle(eventLoop());
    if (idle != null) {
      use(idle); // the common case in transaction pooling: no timer, no hop through the task queue
      return;
    }
    waiter = new Waiter();
    stateChanged();
    waiter.start();
  }

  /** One acquisition attempt; the callbacks hop onto the session's loop. */
  private final class Waiter implements PoolWaiter {
    private final AtomicBoolean done = new AtomicBoolean();
    private ScheduledFuture<?> timeout;

    void start() {
      long ms = pool.settings().acquireTimeout().toMillis();
      timeout = eventLoop().schedule(this::timedOut, ms, TimeUnit.MILLISECONDS);
      pool.acquire(this);
    }

    @Override
    public EventLoop eventLoop() {
      return client.eventLoop();
    }

    @Override
    public boolean offer(OriginConnection c) {
      if (!done.compareAndSet(false, true)) {
        return false;
      }
      timeout.cancel(false);
      ClientSession.this.eventLoop().execute(() -> onAcquired(this, c));
      return true;
    }

    @Override
    public void fail(PgWireException error) {
      if (done.compareAndSet(false, true)) {
        timeout.cancel(false);
        ClientSession.this.eventLoop().execute(() -> onAcquireFailed(this, error));
      }
    }

    private void timedOut() {
      if (done.compareAndSet(false, true)) {
        pool.cancel(this);
        pool.acquireTimedOut();
        OriginPool.PoolStats s = pool.stats();
        String refusal = pool.lastRefusal();
        String message = "could not acquire an origin connection within " + pool.settings().acquireTimeout().toMillis()
            + " ms (pool \"" + pool.name() + "\" max " + s.maxSize() + ", " + s.total() + " open, " + s.waiting()
            + " waiting)";
        String hint = "raise pool-size, shorten transactions, or raise pool-acquire-timeout";
        if (refusal != null) {
          // the pool could not grow to its maximum: the origin's limit is the one to look at
          message += "; the origin refused the last new connection: " + refusal;
          String refusalHint = pool.lastRefusalHint();
          if (refusalHint != null) {
            hint = refusalHint;
          }
        }
        onAcquireFailed(this, new PgWireException(Sqlstate.TOO_MANY_CONNECTIONS, message, null, hint, false));
      }
    }

    void giveUp() {
      if (done.compareAndSet(false, true)) {
        timeout.cancel(false);
        pool.cancel(this);
      }
    }
  }

  private void onAcquired(Waiter w, OriginConnection c) {
    if (closed || waiter != w) {
      pool.release(c, true, false);
      return;
    }
    waiter = null;
    use(c);
  }

  private void use(OriginConnection c) {
    conn = c;
    stateChanged();
    c.bind(this, this);
    if (conn != c) {
      return; // it died during the hand-over; onOriginClosed already asked for another
    }
    forwardPending(new ArrayList<>(pending.size() + 3));
    flushClient();
  }

  private void onAcquireFailed(Waiter w, PgWireException error) {
    if (closed || waiter != w) {
      return;
    }
    waiter = null;
    stateChanged();
    failPendingBatch(error);
    dispatch();
    flushClient();
  }

  /** The first pending batch cannot be served: answer it with {@code error}, like the origin would. */
  private void failPendingBatch(PgWireException error) {
    Frame head = pending.peekFirst();
    if (head == null) {
      return;
    }
    abandonArmedCapture(); // its request will not run: followers go to the origin themselves
    plannedStatus = null; // nor count under the status planned for it
    writeError(error.toErrorFields());
    if (head.type() == FrontendType.QUERY.code() || head.type() == FrontendType.FUNCTION_CALL.code()) {
      Frame f = pending.pollFirst();
      pendingBytes -= f.size();
      f.release();
      writeReady();
    } else {
      localSkipping = true;
      skipLocally();
    }
  }

  /** Gives the connection back when the transaction is over and nothing is in flight. */
  void maybeRelease() {
    if (closeWhenIdle) {
      flushClient();
      closeIfIdleForShutdown();
      if (closed) {
        return;
      }
    }
    if (conn == null || pinned || txnStatus != 'I' || !expected.isEmpty() || inBatch || copyIn
        || !pending.isEmpty()) {
      return;
    }
    OriginConnection c = conn;
    conn = null;
    stateChanged();
    resumeClientReads();
    if (originPaused) {
      originPaused = false;
      c.autoRead(true);
    }
    pool.release(c, true, false);
  }

  /**
   * The session let go of its origin connection: a pause of the client's reads for that
   * connection's backpressure ends with it. Kept, the client's next request would never be read
   * (a closed connection counts as not writable, so a request sent on a connection that had just
   * died paused the client — the OriginOutageIT hang). Also called when pending requests were
   * answered without the origin (cache, local errors): only the pending high-water mark and a
   * held connection's backpressure keep the client paused.
   */
  private void resumeClientReads() {
    if (clientPaused && pendingBytes <= PENDING_HIGH_WATER && (conn == null || conn.isWritable())) {
      clientPaused = false;
      client.config().setAutoRead(true);
    }
  }

  // ---------------------------------------------------------------- origin side

  @Override
  public void onOriginFrame(OriginConnection c, Frame frame) {
    if (c != conn || closed) {
      DisconnectedDrain d = drain;
      if (d != null && d.drains(c)) {
        d.relay(frame); // sent before the drain took the connection over
      } else {
        frame.release();
      }
      return;
    }
    try {
      router.route(frame);
    } catch (RuntimeException | LinkageError e) {
      log.error("client {} ({}@{}): failed handling a response from {}", client.remoteAddress(), user.name(),
          database, c, e);
      desync("internal error: " + e);
    }
  }

  @Override
  public void onOriginReadComplete(OriginConnection c) {
    flushClient();
  }

  @Override
  public void onOriginWritabilityChanged(OriginConnection c, boolean writable) {
    if (c == conn && writable && clientPaused) {
      clientPaused = false;
      client.config().setAutoRead(true);
    }
  }

  @Override
  public void onOriginClosed(OriginConnection c, Throwable cause) {
    if (c != conn || closed) {
      return;
    }
    conn = null;
    stateChanged();
    resumeClientReads();
    log.warn("client {} ({}@{}): origin connection {} lost: {}", client.remoteAddress(), user.name(), database, c,
        cause.getMessage());
    router.connectionLost();
    // Outpost itself closes it when an answer is too large for the node's memory now: say so, as 53200
    PgWireException tooLarge = cause instanceof PgWireException pe && pe.sqlstate() == Sqlstate.OUT_OF_MEMORY
        ? pe : null;
    Sqlstate state = tooLarge != null ? Sqlstate.OUT_OF_MEMORY : Sqlstate.CONNECTION_FAILURE;
    String message = tooLarge != null
        ? "Outpost closed the origin connection that was answering this request: " + tooLarge.getMessage()
        : "the connection to the origin " + c.host().address() + " was lost";
    String why = tooLarge != null ? "; " + tooLarge.hint() : "";
    if (dependsOnBackend()) {
      abandonCaptures();
      fatal(new PgWireException(state, message + "; the open transaction was rolled back",
          null, "reconnect and retry the transaction" + why, true));
      return;
    }
    abandonCaptures();
    String farewell = originFarewell == null ? null
        : "the origin ended it: " + originFarewell.message() + " (SQLSTATE " + originFarewell.sqlstate() + ")";
    originFarewell = null;
    ErrorFields lost = ErrorFields.of("ERROR", state, tooLarge != null ? message : message + " while running this request",
        farewell, tooLarge != null ? "if the request wrote data, check whether it committed" + why
            : "retry the request; if it wrote data, check whether it committed");
    // Each request in flight ends as one that failed: its error (unless it already had one), then
    // its ReadyForQuery. The node's own requests (settings re-applied) end silently.
    boolean visible = false;
    boolean failed = false;
    for (Expectation e : expected) {
      visible |= !e.swallow;
      failed |= e.errorSent;
      if (e.endsWithReady()) {
        if (visible && !failed) {
          writeError(lost);
        }
        if (!e.swallow) {
          writeReady();
        }
        visible = false;
        failed = false;
      }
    }
    expected.clear();
    // The rest: a batch whose Sync the client has not sent yet (a Bind held for its statement's
    // columns included). The origin skipped nothing of it for the client: it fails here, and what
    // the client sends up to its Sync is skipped, as Postgres skips after an error.
    if (inBatch || holdingForColumns || visible) {
      if (!skipping) { // skipping: the batch already had its error
        writeError(lost);
      }
      localSkipping = true; // the batch's Sync is still to come; answer it locally
    }
    holdingForColumns = false;
    inBatch = false;
    skipping = false;
    copyIn = false;
    flushClient();
    dispatch();
    flushClient();
  }

  /**
   * Whether the client's session lives in its origin backend, so that losing the backend ends it:
   * inside a transaction or COPY, or pinned (session pooling included).
   */
  private boolean dependsOnBackend() {
    return txnStatus != 'I' || copyIn || pinned;
  }

  /**
   * The held origin connection sent a FATAL error (its backend was terminated, the origin shuts
   * down, or its idle timeouts fired); the socket closes next. A client that depends on that
   * backend — in a transaction, pinned, or in session pooling — gets the origin's own error and is
   * closed, exactly as with Postgres directly (a transaction there is gone). Otherwise the client
   * keeps its connection: between requests it does not notice (its next request takes another
   * connection); with requests in flight, each of them fails on its own, with the origin's words
   * ({@link #onOriginClosed}) — a FATAL passed on to a client whose connection stays open would
   * tell it its session ended, and the requests pipelined behind it got a bare ReadyForQuery, which
   * a driver reads as an empty result.
   */
  void originEnded(Frame error, ErrorFields fields) {
    OriginConnection c = conn;
    c.markBroken();
    boolean dependent = dependsOnBackend();
    log.info("client {} ({}@{}): origin connection {} ended {}: {}", client.remoteAddress(), user.name(), database, c,
        expected.isEmpty() ? "between requests" : "during a request", fields);
    if (!dependent && !expected.isEmpty()) {
      originFarewell = fields;
      error.release();
      c.eventLoop().execute(c::close); // after this read: onOriginClosed answers the requests in flight
      return;
    }
    router.connectionLost(); // as for any lost connection: the transaction's bookkeeping ends here
    if (!dependent) {
      error.release();
      conn = null;
      stateChanged();
      resumeClientReads();
      pool.release(c, false, false);
      dispatch();
      flushClient();
      return;
    }
    out.drain(); // what the client was already sent comes before the error
    client.writeAndFlush(error.content()).addListener(ChannelFutureListener.CLOSE);
    shutdownLocally();
  }

  /**
   * Sends a CancelRequest for the backend of {@code c} (whatever it runs when it arrives); the pool
   * hands {@code c} to no other client until it can no longer land.
   */
  private void cancelAtOrigin(OriginConnection c) {
    c.cancelSent(node.connector().cancel(c.eventLoop(), pool.target().at(c.host()),
        new CancelRequest(c.backendKey().processId(), c.backendKey().secretKey())));
  }

  /** A CancelRequest with this session's key arrived (on another connection, any thread). */
  void cancelFromClient() {
    eventLoop().execute(() -> {
      if (closed) {
        return;
      }
      if (conn != null && !expected.isEmpty()) {
        cancelAtOrigin(conn);
      } else if (waiter != null) {
        Waiter w = waiter;
        w.giveUp();
        onAcquireFailed(w, canceledByUser());
      } else if (fillWait != null || analysisWait != null || waitingForResume) {
        // The request waits inside the node — for a single-flight leader's result (up to the
        // acquire timeout), its long text's analysis, or RESUME — and ends here, as Postgres would
        // end it. The leader, the analysis and the pause go on without it.
        fillWait = null;
        analysisWait = null;
        waitingForResume = false;
        failPendingBatch(canceledByUser());
        dispatch();
        flushClient();
      }
    });
  }

  /** What a request ended by the client's cancel gets: Postgres's own words and SQLSTATE. */
  private static PgWireException canceledByUser() {
    return new PgWireException(Sqlstate.QUERY_CANCELED, "canceling statement due to user request");
  }

  // ---------------------------------------------------------------- writing to the client

  /** Queues a message from the origin (owned by this method) for the client. */
  void toClient(Frame frame) {
    ByteBuf b = frame.content();
    if (closed) {
      b.release();
      return;
    }
    out.write(b);
    queued();
  }

  /** Queues a message Outpost produced itself (encoded straight into the outgoing bytes). */
  void toClient(BackendMessage msg) {
    if (!closed) {
      out.write(msg);
      queued();
    }
  }

  /** Queues bytes that stay unchanged until flushed (a cached result's messages). */
  void toClient(ByteBuffer bytes) {
    if (!closed) {
      out.write(bytes);
      queued();
    }
  }

  private void queued() {
    needsFlush = true;
    if (!client.isWritable() && conn != null && !originPaused) {
      originPaused = true;
      conn.autoRead(false);
    }
  }

  void writeError(ErrorFields fields) {
    toClient(new ErrorResponse(fields));
  }

  void writeReady() {
    toClient(ReadyForQuery.of(txnStatus));
  }

  void flushClient() {
    if (needsFlush) {
      needsFlush = false;
      out.drain();
      client.flush();
    }
  }

  /** Protocol desync: close both sides rather than risk mismatched answers. */
  void desync(String what) {
    log.error("client {} ({}@{}): protocol desync with origin connection {}: {}; closing both", client.remoteAddress(),
        user.name(), database, conn, what);
    if (conn != null) {
      conn.markBroken();
      conn.close();
    }
    fatal(PgWireException.fatal(Sqlstate.PROTOCOL_VIOLATION,
        "Outpost lost track of the protocol state (" + what + "); reconnect"));
  }

  SessionFeaturePolicy sessionFeaturePolicy() {
    return node.config().sessionFeatures();
  }

  @Override
  public String toString() {
    return "session(" + user.name() + "@" + database + ", " + client.remoteAddress() + ")";
  }
}
