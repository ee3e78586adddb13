package dev.outpost.changefeed;

import dev.outpost.changefeed.FeedException.Kind;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The change feed (DESIGN §8): consumes the origin's logical replication stream (plugin
 * pgoutput, protocol 1, publication {@code outpost} FOR ALL TABLES, one slot per region) and
 * hands every committed transaction's changed tables to a {@link ChangeSink}, so that writes
 * which bypass Outpost still invalidate cached reads.
 *
 * <p>Use: {@link #check} before start (refuse to start or warn, per
 * {@code change-feed-when-unsupported}); {@link #start()} on the node that should consume (the
 * region's coordinator); {@link #stop()} when it stops being that node or shuts down;
 * {@link #status()} for the admin console and metrics; {@link #dropSlot(ConnectionInfo, String)}
 * for {@code outpost change-feed drop-slot}.
 *
 * <p>Guarantees:
 * <ul>
 *   <li>A commit's position is confirmed to the origin only after the sink's future for it and
 *       for every earlier commit completed normally; so a crash, a stop or a lost connection
 *       replays events rather than losing them (delivery is at least once).
 *   <li>At most one consumer per slot: Postgres refuses a second {@code START_REPLICATION} on
 *       an active slot; this feed then waits with back-off until the slot is free.
 *   <li>Outages (origin down, restarting, slot busy) are retried with capped exponential
 *       back-off and logged once per outage; conditions that need an operator (wal_level,
 *       privileges, a lost slot, an undecodable stream) end in {@link ChangeFeedStatus.State#FAILED}
 *       with the reason, never in silence.
 *   <li>{@link #start()} returns at once: all network work happens on the feed's own thread.
 * </ul>
 */
public final class ChangeFeed implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ChangeFeed.class);

  /** Hears every state change, on the feed's thread; must return quickly. */
  @FunctionalInterface
  public interface Listener {
    void stateChanged(ChangeFeedStatus status);
  }

  /** Replaced only by {@link #password}: the connections the feed opens from then on log in with it. */
  private volatile ConnectionInfo origin;
  private final ChangeFeedOptions options;
  private final ChangeSink sink;
  private final Listener listener;
  private final FeedState state;
  private final Object sleeper = new Object();

  // Guarded by "this" (the life-cycle methods are synchronized).
  private Thread worker;
  private SlotMonitor monitor;

  private volatile boolean stopRequested;
  private volatile ReplicationSession session;

  // Touched by the worker thread only.
  private Kind outage;
  private long outageStartNanos;
  private Backoff backoff;

  private ChangeFeed(Builder b) {
    this.origin = b.origin;
    this.options = b.options;
    this.sink = b.sink;
    this.listener = b.listener;
    this.state = new FeedState(options.slotName(), origin.database(), b.clock);
  }

  /** A feed of {@code origin}'s database into {@code sink}; call {@link Builder#build()} then {@link #start()}. */
  public static Builder builder(ConnectionInfo origin, ChangeFeedOptions options, ChangeSink sink) {
    return new Builder(origin, options, sink);
  }

  /** Builds a {@link ChangeFeed}. */
  public static final class Builder {
    private final ConnectionInfo origin;
    private final ChangeFeedOptions options;
    private final ChangeSink sink;
    private Clock clock = Clock.systemUTC();
    private Listener listener = s -> { };

    private Builder(ConnectionInfo origin, ChangeFeedOptions options, ChangeSink sink) {
      this.origin = Objects.requireNonNull(origin, "origin");
      this.options = Objects.requireNonNull(options, "options");
      this.sink = Objects.requireNonNull(sink, "sink");
    }

    /** The clock for lag in seconds (tests inject one). */
    public Builder clock(Clock c) {
      this.clock = Objects.requireNonNull(c, "clock");
      return this;
    }

    /** Told about each state change. */
    public Builder listener(Listener l) {
      this.listener = Objects.requireNonNull(l, "listener");
      return this;
    }

    public ChangeFeed build() {
      return new ChangeFeed(this);
    }
  }

  // ------------------------------------------------------------------ checks and operator commands

  /**
   * Checks, without changing anything, whether the origin can provide the feed: wal_level,
   * the role's REPLICATION attribute, the publication (or the superuser needed to create it),
   * the slot (or a free slot entry), a free WAL sender, and that a replication connection opens.
   * Blocks for at most a few connect timeouts.
   */
  public static CheckResult check(ConnectionInfo origin, ChangeFeedOptions options) {
    List<String> problems = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(origin.controlUrl(),
        origin.properties(options.connectTimeout(), options.connectTimeout().multipliedBy(3)))) {
      OriginInspector.judge(OriginInspector.inspect(c, options), options, false, problems, warnings);
    } catch (SQLException e) {
      String problem = "cannot connect to the origin " + origin + ": " + FeedException.oneLine(e.getMessage());
      return couldNotAnswer(e) ? CheckResult.notJudged(problem, warnings) : CheckResult.of(List.of(problem), warnings);
    }
    if (problems.isEmpty()) {
      try (Connection r = DriverManager.getConnection(origin.replicationUrl(),
          origin.properties(options.connectTimeout(), options.connectTimeout()))) {
        try (Statement s = r.createStatement()) {
          s.execute("IDENTIFY_SYSTEM"); // proves the walsender answers replication commands
        }
      } catch (SQLException e) {
        String problem = "role " + origin.user() + " cannot open a logical replication connection to database "
            + origin.database() + ": " + FeedException.oneLine(e.getMessage()) + " (pg_hba.conf must admit the role"
            + " to the database as for an ordinary connection; the role needs REPLICATION; a WAL sender must be free)";
        if (couldNotAnswer(e)) {
          return CheckResult.notJudged(problem, warnings);
        }
        problems.add(problem);
      }
    }
    return CheckResult.of(problems, warnings);
  }

  /**
   * Whether {@code e} means that the origin could not answer at all — unreachable, starting up or
   * shutting down, out of connections, the session terminated (SQLSTATE class 08, 53, 57, or none)
   * — rather than that it answered no (a refused login, a missing database, a missing privilege).
   */
  static boolean couldNotAnswer(SQLException e) {
    String state = e.getSQLState();
    return state == null || state.startsWith("08") || state.startsWith("53") || state.startsWith("57");
  }

  /** {@link #check(ConnectionInfo, ChangeFeedOptions)} with default options for {@code slotName}. */
  public static CheckResult check(ConnectionInfo origin, String slotName) {
    return check(origin, ChangeFeedOptions.defaults(slotName));
  }

  /**
   * Drops the slot for good (the operator command {@code outpost change-feed drop-slot}), so that
   * it no longer holds WAL on the origin. Refuses while a consumer holds the slot.
   *
   * @return true when the slot was dropped, false when there was none
   * @throws ChangeFeedException when the slot is in use, belongs to another database or cannot be dropped
   */
  public static boolean dropSlot(ConnectionInfo origin, String slotName) {
    return dropSlot(origin, slotName, Duration.ZERO);
  }

  /**
   * {@link #dropSlot(ConnectionInfo, String)}, waiting up to {@code waitForRelease} for a consumer
   * that is stopping to let go of the slot (the server's walsender outlives a closed replication
   * connection by a moment).
   */
  public static boolean dropSlot(ConnectionInfo origin, String slotName, Duration waitForRelease) {
    if (!ChangeFeedOptions.validSlotName(slotName)) {
      throw new IllegalArgumentException("invalid slot name '" + slotName + "'");
    }
    long deadline = System.nanoTime() + waitForRelease.toNanos();
    long pauseMillis = 100;
    long maxAttempts = 1 + waitForRelease.toMillis() / pauseMillis;
    try (Connection c = DriverManager.getConnection(origin.controlUrl(),
        origin.properties(Duration.ofSeconds(10), Duration.ofSeconds(30)))) {
      for (long attempt = 1; ; attempt++) {
        OriginInspector.Slot slot = OriginInspector.slot(c, slotName);
        if (slot == null) {
          return false;
        }
        if (slot.database() != null && !slot.database().equals(origin.database())) {
          throw new ChangeFeedException("replication slot " + slotName + " belongs to database " + slot.database()
              + ", not " + origin.database() + "; connect to that database to drop it");
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
          ps.setString(1, slotName);
          ps.execute();
          log.info("change feed: dropped replication slot {} in database {}", slotName, origin.database());
          return true;
        } catch (SQLException e) {
          if ("42704".equals(e.getSQLState())) {
            return false; // dropped by someone else meanwhile
          }
          if (!"55006".equals(e.getSQLState())) {
            throw new ChangeFeedException("could not drop replication slot " + slotName + ": "
                + FeedException.oneLine(e.getMessage()), e);
          }
          if (attempt >= maxAttempts || System.nanoTime() - deadline >= 0) {
            throw new ChangeFeedException("replication slot " + slotName + " is in use by process "
                + slot.activePid() + " (a running change feed, normally on the region's coordinator);"
                + " stop that feed first, then drop the slot", e);
          }
          Thread.sleep(pauseMillis); // our own consumer is letting go of it
        }
      }
    } catch (SQLException e) {
      throw new ChangeFeedException("could not connect to " + origin + " to drop replication slot " + slotName + ": "
          + FeedException.oneLine(e.getMessage()), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ChangeFeedException("interrupted while dropping replication slot " + slotName, e);
    }
  }

  /** Stops this feed (if running), then drops its slot; see {@link #dropSlot(ConnectionInfo, String)}. */
  public synchronized boolean dropSlot() {
    stop();
    // The origin may need a moment to notice that our walsender is gone.
    return dropSlot(origin, options.slotName(), options.stopTimeout());
  }

  // ------------------------------------------------------------------ life cycle

  /**
   * Starts consuming on a new thread and returns at once. A stopped or failed feed may be
   * started again; it resumes from the slot's confirmed position.
   *
   * @throws IllegalStateException when it is already running
   */
  public synchronized void start() {
    if (worker != null && worker.isAlive()) {
      throw new IllegalStateException("change feed " + options.slotName() + " is already running");
    }
    stopRequested = false;
    outage = null;
    backoff = new Backoff(options.reconnectInitialDelay(), options.reconnectMaxDelay());
    enter(ChangeFeedStatus.State.STARTING, null);
    monitor = new SlotMonitor(() -> origin, options, state);
    monitor.start();
    SlotMonitor ownMonitor = monitor;
    worker = new Thread(() -> run(ownMonitor), "outpost-change-feed-" + options.slotName());
    worker.setDaemon(true);
    worker.start();
    log.info("change feed {}: starting on {} (publication {})", options.slotName(), origin, options.publication());
  }

  /**
   * Stops consuming: confirms what was delivered, ends the stream and closes the connections;
   * the slot stays for the next consumer. Waits up to {@link ChangeFeedOptions#stopTimeout()}
   * for a clean close, then cuts the connection (and waits as long again at most). When it
   * returns, this feed no longer holds the slot on the origin's side of the socket.
   */
  public synchronized void stop() {
    Thread w = worker;
    if (w == null) {
      return;
    }
    stopRequested = true;
    synchronized (sleeper) {
      sleeper.notifyAll();
    }
    LockSupport.unpark(w);
    if (!join(w)) {
      ReplicationSession s = session;
      if (s != null) {
        log.warn("change feed {}: no clean stop within {}; closing the connection", options.slotName(),
            options.stopTimeout());
        s.abort();
      }
      if (!join(w)) {
        log.warn("change feed {}: the feed thread did not end within {}", options.slotName(), options.stopTimeout());
      }
    }
    monitor.close();
    worker = null;
    monitor = null;
  }

  /** Same as {@link #stop()}. */
  @Override
  public void close() {
    stop();
  }

  /**
   * The role's password changed (rotated on the origin, then in the node's configuration): the
   * connections the feed opens from now on — after an outage, or a {@link #start()} after a
   * refused login failed it — log in with {@code password}; the ones open stay, as the origin lets
   * them.
   */
  public void password(String password) {
    origin = origin.withPassword(password);
  }

  /** A snapshot for operators; never blocks. */
  public ChangeFeedStatus status() {
    return state.snapshot();
  }

  /** The slot this feed consumes. */
  public String slotName() {
    return options.slotName();
  }

  private boolean join(Thread w) {
    try {
      w.join(options.stopTimeout().toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return !w.isAlive();
  }

  // ------------------------------------------------------------------ the feed thread

  private void run(SlotMonitor ownMonitor) {
    boolean failed = false;
    try {
      while (!stopRequested) {
        ReplicationSession s = new ReplicationSession(origin, options, sink, state, () -> stopRequested,
            this::streaming);
        session = s;
        try {
          s.run();
          return;
        } catch (FeedException e) {
          if (stopRequested) {
            return; // the connection was cut on purpose
          }
          state.errors.incrementAndGet();
          if (e.permanent()) {
            failed = true;
            log.error("change feed {}: {}; not retrying until an operator fixes this and the feed is started again",
                options.slotName(), e.getMessage());
            enter(ChangeFeedStatus.State.FAILED, e.getMessage());
            return;
          }
          reconnecting(e);
        }
      }
    } catch (RuntimeException | Error e) {
      failed = true;
      log.error("change feed {}: unexpected failure; the feed stops", options.slotName(), e);
      enter(ChangeFeedStatus.State.FAILED, "unexpected failure: " + e);
    } finally {
      session = null;
      if (failed) {
        ownMonitor.close(); // the lag is only read while the feed runs
      } else {
        enter(ChangeFeedStatus.State.STOPPED, null);
      }
    }
  }

  private void streaming() {
    if (outage != null) {
      log.info("change feed {}: streaming again after {} ms and {} attempts", options.slotName(),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - outageStartNanos), backoff.attempts());
    } else {
      log.info("change feed {}: streaming database {}", options.slotName(), origin.database());
    }
    outage = null;
    backoff.reset();
    enter(ChangeFeedStatus.State.STREAMING, null);
  }

  private void reconnecting(FeedException e) {
    Duration pause = backoff.next();
    if (outage == null) {
      outageStartNanos = System.nanoTime();
      log.warn("change feed {}: {}; retrying with back-off up to {} ms (logged once per outage)", options.slotName(),
          e.getMessage(), options.reconnectMaxDelay().toMillis());
    } else if (outage != e.kind) {
      log.info("change feed {}: still not streaming: {}", options.slotName(), e.getMessage());
    } else {
      log.debug("change feed {}: attempt {} failed: {}", options.slotName(), backoff.attempts(), e.getMessage());
    }
    outage = e.kind;
    enter(ChangeFeedStatus.State.RECONNECTING, e.getMessage());
    long until = System.nanoTime() + pause.toNanos();
    synchronized (sleeper) {
      // Bounded by the pause; stop() wakes it early.
      for (long left = pause.toMillis(); left > 0 && !stopRequested; left = (until - System.nanoTime()) / 1_000_000) {
        try {
          sleeper.wait(left);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          stopRequested = true;
        }
      }
    }
  }

  private void enter(ChangeFeedStatus.State next, String reason) {
    if (state.enter(next, reason)) {
      try {
        listener.stateChanged(state.snapshot());
      } catch (RuntimeException e) {
        log.warn("change feed {}: state listener failed: {}", options.slotName(), e.toString());
      }
    }
  }

  @Override
  public String toString() {
    return "ChangeFeed[" + options.slotName() + " " + origin + " " + state.state() + "]";
  }
}
