package dev.outpost.proxy.origin;

import dev.outpost.proxy.config.OriginHost;
import dev.outpost.proxy.config.OriginUrl;
import dev.outpost.wire.BackendType;
import dev.outpost.wire.Frame;
import dev.outpost.wire.PgWireException;
import dev.outpost.wire.Sqlstate;
import dev.outpost.wire.backend.ErrorFields;
import dev.outpost.wire.frontend.Query;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The warm connections of one (role, database) to the origin (DESIGN §5.4, §5.5).
 *
 * <ul>
 *   <li>Idle connections are reused last-in first-out, preferring one on the waiter's event loop.
 *   <li>Waiters queue first-in first-out; a new connection is opened only while the pool is below
 *       its maximum, and it goes to whoever is first in the queue when it is ready.
 *   <li>When the origin cannot be reached, every waiter fails at once with 08006 naming the
 *       origin, later requests fail fast, and a probe reconnects with exponential backoff from
 *       100 ms, capped at one second: the pool serves again within a second of the origin's return.
 *   <li>When the origin refuses a new connection (its {@code max_connections}, a role's connection
 *       limit, a changed password) while the pool has connections open or logging in, the pool
 *       cannot grow but those connections come back: waiters stay queued for them, as at the
 *       pool's maximum, until the acquire timeout, and the pool tries to grow again after the same
 *       backoff. With none, nothing would come back, so the waiters fail at once with the origin's
 *       refusal.
 *   <li>A broken connection is never reused; one past its lifetime is closed when it comes back.
 *   <li>{@link #reconnect()} (the admin console's {@code RECONNECT}) closes the idle connections at
 *       once and every other connection opened before it when it comes back: running transactions
 *       and sessions finish on the backend they started on, and the next ones get fresh backends.
 * </ul>
 *
 * <p>Thread-safe: sessions on every event loop acquire and release concurrently.
 */
public final class OriginPool {
  private static final Logger log = LoggerFactory.getLogger(OriginPool.class);
  private static final long MIN_BACKOFF_MS = 100;
  /**
   * The longest wait between two attempts while the origin is down. Requests in that wait fail at
   * once, so the cap is the longest the node may stay unavailable after the origin is back (DESIGN
   * §5.5 "serves again as soon as the origin is back"); with 10 s, a soak's 2 s origin restarts
   * left the pool down 4.0–11.8 s, with 1 s 2.9–3.8 s. One attempt a second is nothing to a
   * Postgres that is down.
   */
  private static final long MAX_BACKOFF_MS = 1_000;
  /** Netty's native transport's message: system call, errno, the OS's words, then the address. */
  private static final Pattern NATIVE_IO_MESSAGE = Pattern.compile(
      "\\w+\\(\\.\\.\\) failed(?: with error\\(-?\\d+\\))?: (.+?)(?:: \\S*/[^\\s/]+:\\d+)?");

  private final String name;
  private volatile OriginUrl target;
  private final OriginConnector connector;
  private final EventLoopGroup group;
  private final ReentrantLock lock = new ReentrantLock();
  private final ArrayDeque<OriginConnection> idle = new ArrayDeque<>();
  private final Set<OriginConnection> all = new LinkedHashSet<>();
  private final ArrayDeque<Queued> waiters = new ArrayDeque<>();
  private volatile PoolSettings settings;
  private int connecting;
  private boolean closed;
  private boolean down;
  private long retryAtNanos;
  private long backoffMs = MIN_BACKOFF_MS;
  /** The origin refused the last new connection while others were open: no attempt before {@link #retryAfterRefusalNanos}. */
  private boolean refused;
  private long retryAfterRefusalNanos;
  private long refusalBackoffMs = MIN_BACKOFF_MS;
  private volatile String lastRefusal;
  private volatile String lastRefusalCode;
  private volatile String lastError;
  private volatile Map<String, String> serverParameters;
  /**
   * Counts {@link #reconnect()}s; a connection remembers the value when its connect started, and
   * one with a smaller value is closed instead of being used again. Written under {@link #lock}.
   */
  private volatile long generation;
  /**
   * With several origin hosts: the host the pool's connections go to (the last one a connection
   * reached; null before the first), and its place in the URL's list, where a new connection
   * starts trying. Written under {@link #lock}.
   */
  private OriginHost currentHost;
  private volatile int preferredHost;
  /** Times the pool moved to another origin host. Under {@link #lock}. */
  private long hostMoves;
  /** Told (old host, new host) when the pool moved, before the first connection there serves. */
  private volatile java.util.function.BiConsumer<OriginHost, OriginHost> hostMoved = (from, to) -> { };
  /** Connects in flight by the {@link #generation} they started in. Under {@link #lock}. */
  private final Map<Long, Integer> connectsByGeneration = new java.util.HashMap<>();
  private final LongAdder acquisitions = new LongAdder();
  private final LongAdder waits = new LongAdder();
  private final LongAdder connectFailures = new LongAdder();
  private final LongAdder acquireTimeouts = new LongAdder();
  /** Clients that got a connection after waiting in the queue, and how long they waited in all. */
  private final LongAdder servedWaits = new LongAdder();
  private final LongAdder waitedNanos = new LongAdder();

  /** A client in the queue, and since when. */
  private record Queued(PoolWaiter waiter, long sinceNanos) {}

  public OriginPool(String name, OriginUrl target, OriginConnector connector, EventLoopGroup group,
      PoolSettings settings) {
    this.name = name;
    this.target = target;
    this.connector = connector;
    this.group = group;
    this.settings = settings;
  }

  /** {@code user@database}, as shown to operators. */
  public String name() {
    return name;
  }

  public OriginUrl target() {
    return target;
  }

  /** New connections log in with {@code password} (passthrough users change theirs). */
  public void password(String password) {
    if (!java.util.Objects.equals(password, target.password())) {
      target = target.withCredentials(target.user(), password);
    }
  }

  public PoolSettings settings() {
    return settings;
  }

  /** Replaces the limits; a smaller maximum closes idle connections now and busy ones on release. */
  public void settings(PoolSettings s) {
    List<OriginConnection> toClose = new ArrayList<>();
    lock.lock();
    try {
      settings = s;
      while (all.size() > s.maxSize() && !idle.isEmpty()) {
        OriginConnection c = idle.pollLast();
        all.remove(c);
        toClose.add(c);
      }
    } finally {
      lock.unlock();
    }
    toClose.forEach(OriginConnection::close);
    serveWaiters();
  }

  /**
   * Asks for a connection. The waiter is called back exactly once — offered a connection or
   * failed — possibly before this method returns.
   */
  public void acquire(PoolWaiter waiter) {
    OriginConnection c;
    PgWireException fastFail = null;
    lock.lock();
    try {
      if (closed) {
        fastFail = new PgWireException(Sqlstate.ADMIN_SHUTDOWN, "Outpost is shutting down");
        c = null;
      } else {
        c = takeIdle(waiter.eventLoop());
        if (c == null) {
          if (down && System.nanoTime() < retryAtNanos && connecting == 0) {
            fastFail = originDown();
          } else {
            waiters.addLast(new Queued(waiter, System.nanoTime()));
            waits.increment();
            startConnectIfRoom(waiter.eventLoop());
          }
        }
      }
    } finally {
      lock.unlock();
    }
    if (fastFail != null) {
      waiter.fail(fastFail);
    } else if (c != null) {
      handOver(c, waiter, null);
    }
  }

  /**
   * An idle connection handed over at once, preferring one on {@code loop}'s thread; null when
   * none is idle or clients are already queued (they come first). The caller owns it as if a
   * waiter had been offered it.
   */
  public OriginConnection tryTakeIdle(EventLoop loop) {
    OriginConnection c;
    lock.lock();
    try {
      if (closed || !waiters.isEmpty()) {
        return null;
      }
      c = takeIdle(loop);
    } finally {
      lock.unlock();
    }
    if (c != null) {
      acquisitions.increment();
    }
    return c;
  }

  /** Counts a client that gave up waiting (acquire timeout, SQLSTATE 53300). */
  public void acquireTimedOut() {
    acquireTimeouts.increment();
  }

  /** Removes a waiter that gave up; true when it was still queued. */
  public boolean cancel(PoolWaiter waiter) {
    lock.lock();
    try {
      return waiters.removeIf(q -> q.waiter() == waiter);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Gives a connection back. {@code reusable} false (or a broken connection) closes it. In
   * session pooling the connection is reset with DISCARD ALL first.
   */
  public void release(OriginConnection c, boolean reusable) {
    release(c, reusable, false);
  }

  /**
   * Gives a connection back; with {@code reset} (a client that pinned it for session features) it
   * is cleaned with DISCARD ALL even in transaction pooling.
   */
  public void release(OriginConnection c, boolean reusable, boolean reset) {
    c.unbind();
    Future<?> cancel = c.pendingCancel();
    if (cancel != null && reusable && !c.isBroken()) {
      // A cancel sent for the last holder's request may not have reached the backend yet: given to
      // the next client now, the backend could be running that client's query when it lands.
      cancel.addListener(f -> c.eventLoop().execute(() -> release(c, true, reset)));
      return;
    }
    c.markReleased();
    PoolSettings s = settings;
    boolean retire = closeWhenFree(c, s, System.nanoTime());
    boolean tooMany;
    lock.lock();
    try {
      tooMany = all.size() > s.maxSize();
    } finally {
      lock.unlock();
    }
    if (!reusable || retire || tooMany || closed) {
      discard(c);
      serveWaiters();
      return;
    }
    if (s.resetOnRelease() || reset) {
      reset(c);
    } else {
      returnIdle(c);
    }
  }

  private void reset(OriginConnection c) {
    c.bind(new ResetListener(c), "resetting");
    c.send(List.of(new Query("DISCARD ALL").encode(c.channel().alloc())));
  }

  /** Swallows the answer to DISCARD ALL, then returns the connection to the idle list. */
  private final class ResetListener implements OriginListener {
    private final OriginConnection c;
    private boolean failed;

    ResetListener(OriginConnection c) {
      this.c = c;
    }

    @Override
    public EventLoop eventLoop() {
      return c.eventLoop();
    }

    @Override
    public void onOriginFrame(OriginConnection connection, Frame frame) {
      try {
        byte t = frame.type();
        if (t == BackendType.ERROR_RESPONSE.code()) {
          failed = true;
        } else if (t == BackendType.READY_FOR_QUERY.code()) {
          c.serverState().reset();
          c.unbind();
          if (failed) {
            discard(c);
            serveWaiters();
          } else {
            returnIdle(c);
          }
        }
      } finally {
        frame.release();
      }
    }

    @Override
    public void onOriginClosed(OriginConnection connection, Throwable cause) {}
  }

  private void returnIdle(OriginConnection c) {
    if (c.generation() < generation || c.isBroken()) {
      // opened before a RECONNECT that came while it was logging in or being reset (release()
      // checked the rest, and a connection that just logged in is not past its lifetime)
      discard(c);
      serveWaiters();
      return;
    }
    Queued q;
    lock.lock();
    try {
      q = waiters.pollFirst();
      if (q == null) {
        idle.addFirst(c);
        return;
      }
    } finally {
      lock.unlock();
    }
    handOver(c, q.waiter(), q);
  }

  /** Gives {@code c} to {@code w}, who waited in the queue as {@code queued} (null: it did not wait). */
  private void handOver(OriginConnection c, PoolWaiter w, Queued queued) {
    acquisitions.increment();
    if (!w.offer(c)) {
      acquisitions.decrement();
      returnIdle(c);
    } else if (queued != null) {
      servedWaits.increment();
      waitedNanos.add(System.nanoTime() - queued.sinceNanos());
    }
  }

  private OriginConnection takeIdle(EventLoop preferred) {
    PoolSettings s = settings;
    long now = System.nanoTime();
    OriginConnection sameLoop = null;
    for (Iterator<OriginConnection> it = idle.iterator(); it.hasNext(); ) {
      OriginConnection c = it.next();
      if (closeWhenFree(c, s, now)) {
        it.remove();
        all.remove(c);
        c.close();
        continue;
      }
      if (c.eventLoop() == preferred) {
        sameLoop = c;
        it.remove();
        break;
      }
    }
    if (sameLoop != null) {
      return sameLoop;
    }
    return idle.pollFirst();
  }

  private void startConnectIfRoom(EventLoop loop) {
    if (closed || all.size() + connecting >= settings.maxSize()) {
      return;
    }
    if (refused && all.size() + connecting > 0 && System.nanoTime() - retryAfterRefusalNanos < 0) {
      return; // the origin has no room for one more now; the open connections serve the waiters
    }
    if (down && System.nanoTime() < retryAtNanos && connecting > 0) {
      return;
    }
    connecting++;
    long openedIn = generation;
    connectsByGeneration.merge(openedIn, 1, Integer::sum);
    Future<OriginConnection> f = connector.connect(loop, target, preferredHost, this,
        settings.preparedStatementsPerConnection(), Map.of());
    f.addListener(done -> {
      if (done.isSuccess()) {
        f.getNow().generation(openedIn);
        onConnected(f.getNow());
      } else {
        onConnectFailed(done.cause(), openedIn);
      }
    });
  }

  /** A connect started in {@code openedIn} (see {@link #generation}) ended. Under {@link #lock}. */
  private void connectEnded(long openedIn) {
    connecting--;
    connectsByGeneration.computeIfPresent(openedIn, (g, n) -> n == 1 ? null : n - 1);
  }

  private void onConnected(OriginConnection c) {
    boolean recovered;
    OriginHost movedFrom = null;
    List<OriginConnection> movedAway = new ArrayList<>();
    lock.lock();
    try {
      connectEnded(c.generation());
      recovered = down;
      down = false;
      backoffMs = MIN_BACKOFF_MS;
      refused = false;
      refusalBackoffMs = MIN_BACKOFF_MS;
      lastRefusal = null;
      lastRefusalCode = null;
      lastError = null;
      if (c.generation() == generation) {
        movedFrom = followHost(c, movedAway);
        // the newest login's: after ALTER DATABASE … SET timezone, new clients are told the new
        // value once the pool has opened a connection since (lifetimes, growth, RECONNECT)
        serverParameters = c.serverParameters();
      }
      if (closed) {
        c.close();
        movedAway.forEach(OriginConnection::close);
        return;
      }
      all.add(c);
    } finally {
      lock.unlock();
    }
    if (recovered) {
      log.info("pool {}: the origin {} is reachable again", name, target.address());
    }
    if (movedFrom != null) {
      log.warn("pool {}: origin connections now go to {} (they went to {}, which could not be used: see the warning"
          + " before); {} idle connection(s) there closed, those in use close when free", name, c.host().address(),
          movedFrom.address(), movedAway.size());
      movedAway.forEach(OriginConnection::close);
      try {
        hostMoved.accept(movedFrom, c.host());
      } catch (RuntimeException e) {
        log.error("pool {}: handling the move to {} failed", name, c.host().address(), e);
      }
    }
    if (!c.channel().isActive()) {
      onClosed(c);
      return;
    }
    returnIdle(c);
  }

  /**
   * Keeps a pool whose URL lists several hosts on one server: the first connection fixes the
   * host; one that reached another host (the current one failed) moves the pool there — new
   * connections start trying from it, and those to the old host are closed, idle ones now (into
   * {@code closed}), busy ones when free, as after RECONNECT. Otherwise clients of a transaction
   * pool could read from two servers in turn. Returns the old host when the pool moved. Under
   * {@link #lock}.
   */
  private OriginHost followHost(OriginConnection c, List<OriginConnection> closed) {
    if (!target.severalHosts() || c.host().equals(currentHost)) {
      return null;
    }
    OriginHost old = currentHost;
    currentHost = c.host();
    preferredHost = Math.max(0, target.hosts().indexOf(c.host()));
    if (old == null) {
      return null;
    }
    generation++;
    hostMoves++;
    c.generation(generation);
    closed.addAll(idle);
    idle.clear();
    closed.forEach(all::remove);
    return old;
  }

  /**
   * Calls {@code listener} with the old and the new host when the pool moves to another of the
   * origin URL's hosts (on the thread that logged in there, before that connection serves).
   */
  public void onHostMoved(java.util.function.BiConsumer<OriginHost, OriginHost> listener) {
    hostMoved = java.util.Objects.requireNonNull(listener);
  }

  /** Where in the origin URL's host list a new connection starts trying (0 with one host). */
  public int preferredHost() {
    return preferredHost;
  }

  private void onConnectFailed(Throwable cause, long openedIn) {
    List<PoolWaiter> failed;
    PgWireException error;
    boolean firstRefusal = false;
    int open;
    int loggingIn;
    long retryInMs = 0;
    lock.lock();
    try {
      connectEnded(openedIn);
      connectFailures.increment();
      open = all.size();
      loggingIn = connecting;
      if (cause instanceof OriginErrorException oe && open + connecting > 0) {
        // the pool cannot grow now, but its open connections come back (and those still logging
        // in may succeed): the waiters keep their place in the queue, bounded by the acquire
        // timeout, as when the pool is at its maximum; the last of a burst of refusals fails them
        lastError = oe.getMessage();
        lastRefusal = oe.fields().message();
        lastRefusalCode = oe.fields().fields().get('C');
        firstRefusal = !refused;
        refused = true;
        retryInMs = refusalBackoffMs;
        retryAfterRefusalNanos = System.nanoTime() + refusalBackoffMs * 1_000_000L;
        refusalBackoffMs = Math.min(MAX_BACKOFF_MS, refusalBackoffMs * 2);
        error = null;
        failed = List.of();
      } else if (cause instanceof OriginErrorException oe) {
        error = refusedBy(oe.fields());
        lastError = oe.getMessage();
        lastRefusal = oe.fields().message();
        lastRefusalCode = oe.fields().fields().get('C');
        failed = waiters.stream().map(Queued::waiter).toList();
        waiters.clear();
      } else {
        String reason = reason(cause);
        lastError = reason;
        if (!down) {
          log.warn("pool {}: cannot reach the origin {}: {}", name, target.address(), reason);
        }
        down = true;
        retryAtNanos = System.nanoTime() + backoffMs * 1_000_000L;
        backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
        error = originDown();
        failed = waiters.stream().map(Queued::waiter).toList();
        waiters.clear();
      }
    } finally {
      lock.unlock();
    }
    if (firstRefusal) {
      String hint = refusalHint(lastRefusalCode);
      log.warn("pool {}: the origin refused a new connection ({}); the queued clients wait for the pool's {} open "
          + "connection(s) and {} logging in; next attempt in {} ms{}", name, lastRefusal, open, loggingIn, retryInMs,
          hint == null ? "" : "; " + hint);
    }
    for (PoolWaiter w : failed) {
      w.fail(error);
    }
  }

  /**
   * The origin's words for the last new connection it refused, while the pool has not opened one
   * since; null otherwise. A client that timed out waiting is told, for it names the limit to raise.
   */
  public String lastRefusal() {
    return lastRefusal;
  }

  /** What to do about {@link #lastRefusal()}, or null when nothing is known to help. */
  public String lastRefusalHint() {
    return refusalHint(lastRefusalCode);
  }

  /** What an operator can do about a refusal with this SQLSTATE, or null. */
  static String refusalHint(String sqlstate) {
    if (sqlstate == null) {
      return null;
    }
    if (sqlstate.startsWith("28")) {
      return "the origin no longer accepts the login Outpost uses for this role: if its password was changed, put"
          + " the new one in Outpost's configuration (the origin URL, or the user's origin-password) and RELOAD;"
          + " the origin connections already open keep working meanwhile";
    }
    if (sqlstate.equals(Sqlstate.TOO_MANY_CONNECTIONS.code())) {
      return "the origin is at a connection limit: raise its max_connections or the role's CONNECTION LIMIT, "
          + "lower pool-size (on every node), or shorten transactions";
    }
    return null;
  }

  /**
   * The origin's refusal of a new connection (FATAL: shutting down, starting up, too many
   * connections, a changed password), for clients that waited for one. Their own sessions go on,
   * so it reaches them as an ERROR with the origin's SQLSTATE and a message that says the origin
   * refused — as FATAL, a client would take its own session for ended.
   */
  static PgWireException refusedBy(ErrorFields origin) {
    Map<Character, String> fields = new java.util.LinkedHashMap<>(origin.fields());
    fields.put('S', "ERROR");
    fields.put('V', "ERROR");
    fields.put('M', "the origin refused a new connection: " + origin.message());
    String hint = refusalHint(origin.fields().get('C'));
    if (hint != null && !fields.containsKey('H')) {
      fields.put('H', hint);
    }
    return PgWireException.relay(new ErrorFields(fields));
  }

  /** What went wrong, in words for a client's error message (never a bare exception class name). */
  static String reason(Throwable cause) {
    if (cause instanceof ClosedChannelException) {
      return "the connection closed before the login completed";
    }
    if (cause.getMessage() == null) {
      return cause.getClass().getSimpleName();
    }
    // Netty's native transport names its system call and errno ("finishConnect(..) failed with
    // error(-111): Connection refused: /10.0.0.5:5432"); the client's message already names the
    // origin, so only the operating system's words are kept.
    Matcher m = NATIVE_IO_MESSAGE.matcher(cause.getMessage());
    return m.matches() ? m.group(1) : cause.getMessage();
  }

  private PgWireException originDown() {
    return new PgWireException(Sqlstate.CONNECTION_FAILURE,
        "could not connect to the origin " + target.address() + ": " + lastError, null,
        "Outpost keeps retrying in the background; retry the query once the origin is back", false);
  }

  void onClosed(OriginConnection c) {
    boolean wasKnown;
    lock.lock();
    try {
      wasKnown = all.remove(c);
      idle.remove(c);
    } finally {
      lock.unlock();
    }
    if (wasKnown) {
      serveWaiters();
    }
  }

  private void discard(OriginConnection c) {
    lock.lock();
    try {
      all.remove(c);
      idle.remove(c);
    } finally {
      lock.unlock();
    }
    c.close();
  }

  /** Opens connections for queued waiters when there is room. */
  private void serveWaiters() {
    lock.lock();
    try {
      if (!waiters.isEmpty()) {
        PoolWaiter head = waiters.peekFirst().waiter();
        int needed = waiters.size() - connecting;
        for (int i = 0; i < needed && all.size() + connecting < settings.maxSize(); i++) {
          startConnectIfRoom(head.eventLoop());
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Whether {@code c}, once free, is closed rather than used again: it broke, outlived
   * {@code max-lifetime}, or was opened before the last {@link #reconnect()}.
   */
  private boolean closeWhenFree(OriginConnection c, PoolSettings s, long now) {
    long lifetime = s.maxLifetime().toNanos();
    return c.isBroken() || (lifetime > 0 && now - c.createdNanos() > lifetime) || c.generation() < generation;
  }

  /** {@link #closeWhenFree} now, for SHOW SERVERS. */
  public boolean closeWhenFree(OriginConnection c) {
    return closeWhenFree(c, settings, System.nanoTime());
  }

  /**
   * Replaces every origin connection of the pool (the admin console's {@code RECONNECT}): idle
   * ones are closed now; one in use — a transaction, a session in session pooling, a reset — goes
   * on undisturbed and is closed when it comes back; one still logging in is closed when it is
   * ready. New connections open as clients need them (and up to min-idle), so they log in with
   * what the origin says now: settings from {@code ALTER ROLE|DATABASE … SET}, the address a DNS
   * name has now.
   */
  public Reconnect reconnect() {
    List<OriginConnection> toClose = new ArrayList<>();
    int inUse;
    int loggingIn;
    lock.lock();
    try {
      generation++; // (new clients are told the parameters of the first connection opened from now on)
      preferredHost = 0; // several hosts: back to the URL's order (a fail-back)
      toClose.addAll(idle);
      idle.clear();
      toClose.forEach(all::remove);
      inUse = all.size();
      loggingIn = connecting;
    } finally {
      lock.unlock();
    }
    toClose.forEach(OriginConnection::close);
    if (!toClose.isEmpty() || inUse > 0) {
      log.info("pool {}: RECONNECT: {} idle origin connection(s) closed, {} in use and {} logging in will be "
          + "closed when free", name, toClose.size(), inUse, loggingIn);
    }
    maintain(); // back to min-idle
    return new Reconnect(name, toClose.size(), inUse, loggingIn);
  }

  /** What {@link #reconnect()} did: connections closed at once, and those that close when free. */
  public record Reconnect(String pool, int closedIdle, int inUse, int loggingIn) {}

  /**
   * Periodic upkeep: closes idle connections past their lifetime or idle timeout (down to
   * min-idle), opens connections up to min-idle, and probes a down origin when its backoff ends.
   */
  public void maintain() {
    List<OriginConnection> toClose = new ArrayList<>();
    lock.lock();
    try {
      if (closed) {
        return;
      }
      PoolSettings s = settings;
      long now = System.nanoTime();
      for (Iterator<OriginConnection> it = idle.descendingIterator(); it.hasNext(); ) {
        OriginConnection c = it.next();
        boolean idleTooLong = s.idleTimeout().toNanos() > 0 && all.size() - toClose.size() > s.minIdle()
            && now - c.lastReleasedNanos() > s.idleTimeout().toNanos();
        if (closeWhenFree(c, s, now) || idleTooLong) {
          it.remove();
          all.remove(c);
          toClose.add(c);
        }
      }
      boolean mayConnect = !down || now >= retryAtNanos;
      // waiters: the origin is back, or (refused) it may have room again after the backoff
      if (mayConnect && connecting == 0 && (idle.size() < s.minIdle() || !waiters.isEmpty())) {
        startConnectIfRoom(group.next());
      } else if (down && mayConnect && connecting == 0) {
        // probe so that the origin is known to be back before the next client asks
        startConnectIfRoom(group.next());
      }
    } finally {
      lock.unlock();
    }
    toClose.forEach(OriginConnection::close);
  }

  /**
   * The origin's ParameterStatus values for this database, connecting once if no connection has
   * been made yet. Fails like {@link #acquire(PoolWaiter)} does.
   */
  public Future<Map<String, String>> serverParameters(EventLoop loop) {
    Map<String, String> known = serverParameters;
    Promise<Map<String, String>> p = loop.newPromise();
    if (known != null) {
      return p.setSuccess(known);
    }
    acquire(new PoolWaiter() {
      @Override
      public EventLoop eventLoop() {
        return loop;
      }

      @Override
      public boolean offer(OriginConnection connection) {
        p.trySuccess(connection.serverParameters());
        release(connection, true);
        return true;
      }

      @Override
      public void fail(PgWireException error) {
        p.tryFailure(error);
      }
    });
    return p;
  }

  /** Closes every connection and fails the waiters. */
  public void close() {
    List<OriginConnection> conns;
    List<PoolWaiter> ws;
    lock.lock();
    try {
      closed = true;
      conns = new ArrayList<>(all);
      all.clear();
      idle.clear();
      ws = waiters.stream().map(Queued::waiter).toList();
      waiters.clear();
    } finally {
      lock.unlock();
    }
    PgWireException e = new PgWireException(Sqlstate.ADMIN_SHUTDOWN, "Outpost is shutting down");
    ws.forEach(w -> w.fail(e));
    conns.forEach(OriginConnection::close);
  }

  /** A consistent snapshot for SHOW POOLS and metrics. */
  public PoolStats stats() {
    lock.lock();
    try {
      Queued first = waiters.peekFirst();
      return new PoolStats(name, settings.maxSize(), all.size(), idle.size(), all.size() - idle.size(),
          connecting, waiters.size(), down, lastError, acquisitions.sum(), waits.sum(), connectFailures.sum(),
          acquireTimeouts.sum(), first == null ? 0 : System.nanoTime() - first.sinceNanos(), servedWaits.sum(),
          waitedNanos.sum(), (currentHost != null ? currentHost : target.hosts().get(0)).address(), hostMoves);
    } finally {
      lock.unlock();
    }
  }

  /**
   * What {@code WAIT_CLOSE} waits for: the connections that close when free (opened before a
   * RECONNECT or before the pool moved to another host, or past their lifetime), and how many
   * connects started before the last RECONNECT are still logging in (they close when ready).
   */
  public Closing closing() {
    lock.lock();
    try {
      PoolSettings s = settings;
      long now = System.nanoTime();
      List<OriginConnection> open = new ArrayList<>();
      for (OriginConnection c : all) {
        if (closeWhenFree(c, s, now)) {
          open.add(c);
        }
      }
      int loggingIn = 0;
      for (Map.Entry<Long, Integer> e : connectsByGeneration.entrySet()) {
        if (e.getKey() < generation) {
          loggingIn += e.getValue();
        }
      }
      return new Closing(name, open, loggingIn);
    } finally {
      lock.unlock();
    }
  }

  /** See {@link #closing()}. */
  public record Closing(String pool, List<OriginConnection> connections, int loggingIn) {
    public boolean none() {
      return connections.isEmpty() && loggingIn == 0;
    }
  }

  /** All connections (idle and busy), for SHOW SERVERS. */
  public List<OriginConnection> connections() {
    lock.lock();
    try {
      return new ArrayList<>(all);
    } finally {
      lock.unlock();
    }
  }

  /**
   * One pool's numbers.
   *
   * @param waits clients that had to queue (served, timed out or failed)
   * @param oldestWaitNanos how long the first client in the queue has waited so far (0: none waits)
   * @param servedWaits clients that got a connection after waiting in the queue
   * @param waitedNanos how long those {@code servedWaits} waited, in all
   * @param originHost the origin host the pool's connections go to (host:port)
   * @param hostMoves times the pool moved to another of the origin URL's hosts
   */
  public record PoolStats(String name, int maxSize, int total, int idle, int active, int connecting,
      int waiting, boolean originDown, String lastError, long acquisitions, long waits, long connectFailures,
      long acquireTimeouts, long oldestWaitNanos, long servedWaits, long waitedNanos, String originHost,
      long hostMoves) {

    /** The mean wait of the clients served from the queue, in milliseconds (0 when none waited). */
    public double meanWaitMillis() {
      return servedWaits == 0 ? 0 : waitedNanos / 1e6 / servedWaits;
    }
  }
}
