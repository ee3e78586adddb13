package dev.outpost.changefeed;

import dev.outpost.changefeed.FeedException.Kind;
import dev.outpost.changefeed.PgOutputDecoder.DecodeException;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.postgresql.PGConnection;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.postgresql.replication.ReplicationSlotInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's worth of consuming the slot: connect, check and prepare the origin, stream,
 * and hand each commit to the sink, confirming positions only behind delivered invalidations.
 *
 * <pre>
 *  feed thread                                   origin (walsender)
 *  connect replication=database  ───────────────►
 *  SHOW wal_level, roles, publication, slot ────►  (CREATE PUBLICATION / CREATE_REPLICATION_SLOT if missing)
 *  START_REPLICATION SLOT s LOGICAL 0/0 (proto_version 1, publication_names outpost)
 *                                ◄─────────────── B R I U D T … C   (resumes at confirmed_flush_lsn)
 *  at C: sink.committed(event) → future
 *  future completes (any thread) → unpark feed thread
 *  advance delivered prefix → setFlushedLSN/AppliedLSN, forceUpdateStatus ─►  confirmed_flush_lsn moves
 * </pre>
 *
 * <p>Guarantees: {@link #run()} returns normally only when the owner asked to stop, after a last
 * status update and a clean close; otherwise it throws a classified {@link FeedException}. Every
 * wait inside it is bounded (poll interval, socket and set-up timeouts). Not reusable.
 */
final class ReplicationSession {
  private static final Logger log = LoggerFactory.getLogger(ReplicationSession.class);
  /** Forced status updates (each asks the origin for a reply) at most this often while busy. */
  private static final long FORCE_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private final ConnectionInfo origin;
  private final ChangeFeedOptions options;
  private final ChangeSink sink;
  private final FeedState state;
  private final BooleanSupplier stopping;
  private final Runnable onStreaming;
  private final Thread feedThread = Thread.currentThread();
  private final AckTracker acks = new AckTracker();
  private final TransactionAssembler assembler = new TransactionAssembler(this::ancestors);

  private volatile Connection connection;
  private Connection catalog;
  private String phase = "connecting";
  private PGReplicationStream stream;
  private Lsn flushed = Lsn.INVALID;
  private Lsn sentFlushed = Lsn.INVALID;
  private long lastForce = System.nanoTime();

  ReplicationSession(ConnectionInfo origin, ChangeFeedOptions options, ChangeSink sink, FeedState state,
      BooleanSupplier stopping, Runnable onStreaming) {
    this.origin = origin;
    this.options = options;
    this.sink = sink;
    this.state = state;
    this.stopping = stopping;
    this.onStreaming = onStreaming;
  }

  void run() throws FeedException {
    try {
      connect();
      if (stopping.getAsBoolean()) {
        return;
      }
      prepareOrigin();
      if (stopping.getAsBoolean()) {
        return;
      }
      startStream();
      onStreaming.run();
      consume();
      closeGracefully();
    } catch (SQLException e) {
      throw FeedException.classify(phase, e);
    } finally {
      state.oldestUnconfirmed = null;
      closeQuietly();
    }
  }

  /** Cuts the connection from another thread when a clean stop takes too long. */
  void abort() {
    Connection c = connection;
    if (c != null) {
      try {
        c.abort(Runnable::run);
      } catch (SQLException | RuntimeException e) {
        log.debug("change feed {}: abort: {}", options.slotName(), e.toString());
      }
    }
  }

  private void connect() throws SQLException {
    phase = "connecting to " + origin + " for logical replication";
    connection = DriverManager.getConnection(origin.replicationUrl(),
        origin.properties(options.connectTimeout(), options.setupTimeout()));
  }

  private void prepareOrigin() throws SQLException, FeedException {
    phase = "checking the origin";
    OriginInspector.Findings f = OriginInspector.inspect(connection, options);
    List<String> problems = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    OriginInspector.judge(f, options, true, problems, warnings);
    if (!problems.isEmpty()) {
      throw new FeedException(Kind.UNSUPPORTED, String.join("; ", problems), null);
    }
    for (String warning : warnings) {
      // Creating the publication or slot is logged when it happens, a busy slot by the retry
      // loop once per outage; standing conditions once per feed.
      if (!warning.contains(" will be created in ") && !warning.contains(" is in use by process ")
          && state.firstTime(warning)) {
        log.warn("change feed {}: {}", options.slotName(), warning);
      }
    }
    if (f.publication() == null) {
      phase = "creating publication " + options.publication();
      try (Statement s = connection.createStatement()) {
        s.execute("CREATE PUBLICATION " + options.publication() + " FOR ALL TABLES");
        log.info("change feed {}: created publication {} FOR ALL TABLES in database {}", options.slotName(),
            options.publication(), f.database());
      } catch (SQLException e) {
        if (!"42710".equals(e.getSQLState())) { // 42710: another node created it a moment ago
          throw e;
        }
      }
    }
    // Opened now rather than at the first Relation message, so that the first event does not
    // wait for a connection handshake.
    phase = "opening the catalog connection";
    catalog = DriverManager.getConnection(origin.controlUrl(),
        origin.properties(options.connectTimeout(), options.setupTimeout()));
    if (f.slot() == null) {
      phase = "creating replication slot " + options.slotName()
          + " (waits for transactions open on the origin to finish)";
      try {
        ReplicationSlotInfo created = connection.unwrap(PGConnection.class).getReplicationAPI().createReplicationSlot()
            .logical().withSlotName(options.slotName()).withOutputPlugin("pgoutput").make();
        // Writes before the slot's consistent point were never observed by any feed: until an
        // all-relations event is delivered, nothing cached for this database can be trusted.
        state.owesFullInvalidation = true;
        log.info("change feed {}: created logical replication slot in database {} at {}", options.slotName(),
            f.database(), created.getConsistentPoint().asString());
      } catch (SQLException e) {
        if (!"42710".equals(e.getSQLState())) { // 42710: another consumer created it a moment ago
          throw e;
        }
      }
    }
  }

  private void startStream() throws SQLException {
    phase = "starting replication from slot " + options.slotName();
    stream = connection.unwrap(PGConnection.class).getReplicationAPI().replicationStream().logical()
        .withSlotName(options.slotName())
        .withSlotOption("proto_version", 1)
        .withSlotOption("publication_names", options.publication())
        .withStatusInterval((int) options.statusInterval().toMillis(), TimeUnit.MILLISECONDS)
        .start();
    phase = "streaming from slot " + options.slotName();
    if (state.owesFullInvalidation) {
      deliver(ChangeEvent.everything(origin.database(), state.clock().instant()), true);
    }
  }

  private void consume() throws SQLException, FeedException {
    long parkNanos = options.pollInterval().toNanos();
    long lastBlockedUpdate = System.nanoTime();
    while (!stopping.getAsBoolean()) {
      if (stream.isClosed()) {
        throw new FeedException(Kind.UNREACHABLE, "the origin ended the replication stream of slot "
            + options.slotName(), null);
      }
      Throwable failed = acks.headFailure();
      if (failed != null) {
        throw new FeedException(Kind.DELIVERY, "the sink could not deliver an invalidation (" + failed
            + "); replaying from " + flushed, failed);
      }
      if (acks.size() >= options.maxUnconfirmedCommits()) {
        // Back-pressure: read nothing more until the sink catches up, but keep the walsender
        // from timing us out while we wait.
        confirm(true);
        if (System.nanoTime() - lastBlockedUpdate >= options.statusInterval().toNanos()) {
          stream.forceUpdateStatus();
          lastBlockedUpdate = System.nanoTime();
        }
        LockSupport.parkNanos(parkNanos);
        continue;
      }
      ByteBuffer data = stream.readPending();
      if (data != null) {
        handle(data);
        confirm(false);
      } else {
        confirm(true);
        LockSupport.parkNanos(parkNanos);
      }
      state.received = new Lsn(stream.getLastReceiveLSN().asLong());
    }
  }

  private void handle(ByteBuffer data) throws SQLException, FeedException {
    PgOutputMessage message;
    TransactionAssembler.Committed done;
    try {
      message = PgOutputDecoder.decode(data);
      done = assembler.accept(message);
    } catch (DecodeException e) {
      throw new FeedException(Kind.DESYNC, "the replication stream of slot " + options.slotName()
          + " could not be decoded at " + new Lsn(stream.getLastReceiveLSN().asLong()) + ": " + e.getMessage()
          + "; stopping rather than risk dropping invalidations", e);
    }
    if (log.isTraceEnabled()) {
      log.trace("change feed {}: {}", options.slotName(), message);
    }
    if (done == null) {
      return;
    }
    PgOutputMessage.Commit c = done.commit();
    if (done.relations().isEmpty()) {
      acks.add(c.endLsn(), c.commitTime(), false, 0).complete(null); // nothing to invalidate; confirm in order
      return;
    }
    deliver(new ChangeEvent(origin.database(), done.relations(), false, done.begin().xid(), c.commitLsn(), c.endLsn(),
        c.commitTime()), false);
  }

  private void deliver(ChangeEvent event, boolean full) {
    // The all-relations event has no WAL position of its own: it sits at the confirmed one, so
    // that nothing after it is confirmed before it is delivered.
    AckTracker.Entry entry = acks.add(event.endLsn().isValid() ? event.endLsn() : flushed, event.commitTime(), true,
        event.relations().size());
    log.debug("change feed {}: {}", options.slotName(), event);
    CompletableFuture<Void> future;
    try {
      future = sink.committed(event);
    } catch (RuntimeException e) {
      entry.complete(e);
      return;
    }
    if (future == null) {
      entry.complete(new NullPointerException("the change sink returned no future"));
      return;
    }
    future.whenComplete((ok, failure) -> {
      entry.complete(failure);
      if (failure == null && full) {
        state.owesFullInvalidation = false;
      }
      LockSupport.unpark(feedThread);
    });
  }

  /** Moves the confirmed position over delivered commits; {@code idle}: the stream had nothing to read. */
  private void confirm(boolean idle) throws SQLException {
    AckTracker.Progress p = acks.advance();
    if (p != null) {
      flushed = flushed.max(p.confirmed());
      state.events.addAndGet(p.events());
      state.relations.addAndGet(p.relations());
      state.lastCommitTime = p.lastCommitTime();
    }
    Instant oldest = acks.oldestCommitTime();
    state.oldestUnconfirmed = oldest != null ? oldest : assembler.openCommitTime();
    if (idle && acks.size() == 0 && !assembler.inTransaction()) {
      // Everything received is delivered and no transaction is half read, so the position the
      // origin last reported (keepalives carry it) holds nothing undelivered: confirming it lets
      // the slot release WAL written by other databases or unpublished work.
      flushed = flushed.max(new Lsn(stream.getLastReceiveLSN().asLong()));
    }
    if (flushed.compareTo(sentFlushed) > 0) {
      LogSequenceNumber lsn = LogSequenceNumber.valueOf(flushed.value());
      stream.setFlushedLSN(lsn);
      stream.setAppliedLSN(lsn);
      state.confirmed = flushed;
      if (idle || System.nanoTime() - lastForce >= FORCE_EVERY_NANOS) {
        stream.forceUpdateStatus();
        sentFlushed = flushed;
        lastForce = System.nanoTime();
      }
    }
  }

  private void closeGracefully() throws SQLException {
    phase = "stopping";
    confirm(true);
    if (flushed.compareTo(sentFlushed) > 0) {
      stream.forceUpdateStatus();
    }
    stream.close();
    connection.close();
    log.info("change feed {}: stopped at {}; the slot is kept for the next consumer", options.slotName(), flushed);
  }

  /** The partitioned (or inheritance) ancestors of a relation, nearest first. */
  private List<TableName> ancestors(long oid) throws SQLException {
    List<TableName> result = new ArrayList<>();
    try (var ps = catalog.prepareStatement("WITH RECURSIVE up(relid, depth) AS ("
        + " SELECT inhparent, 1 FROM pg_inherits WHERE inhrelid = ?::oid"
        + " UNION ALL SELECT i.inhparent, up.depth + 1 FROM pg_inherits i JOIN up ON i.inhrelid = up.relid"
        + " WHERE up.depth < 64)"
        + " SELECT n.nspname, c.relname FROM up JOIN pg_class c ON c.oid = up.relid"
        + " JOIN pg_namespace n ON n.oid = c.relnamespace ORDER BY up.depth")) {
      ps.setLong(1, oid);
      try (var rs = ps.executeQuery()) {
        while (rs.next()) {
          result.add(new TableName(rs.getString(1), rs.getString(2)));
        }
      }
    }
    return result;
  }

  /**
   * After a failure: closes the connections without the stream's CopyDone handshake, which
   * could wait on an origin that no longer answers.
   */
  private void closeQuietly() {
    for (Connection c : new Connection[] {connection, catalog}) {
      try {
        if (c != null && !c.isClosed()) {
          c.close();
        }
      } catch (SQLException | RuntimeException e) {
        log.debug("change feed {}: closing after {}: {}", options.slotName(), phase, e.toString());
      }
    }
    catalog = null;
  }
}
