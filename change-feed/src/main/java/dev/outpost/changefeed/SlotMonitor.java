package dev.outpost.changefeed;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the slot's lag from {@code pg_replication_slots} on an ordinary connection of its own,
 * once per {@link ChangeFeedOptions#lagPollInterval()}, while the feed runs. It is separate from
 * the replication connection so that a round trip across regions never stalls the stream.
 *
 * <p>Guarantees: the lag becomes -1 (unknown) while the origin cannot be read, never a stale
 * number presented as current; its failures are logged at DEBUG only (the feed itself reports
 * outages); its thread and connection are gone after {@link #close()}.
 */
final class SlotMonitor implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SlotMonitor.class);

  /** Read at each (re)connect: the password may have been rotated since the feed started. */
  private final Supplier<ConnectionInfo> origin;
  private final ChangeFeedOptions options;
  private final FeedState state;
  private final ScheduledExecutorService executor;
  private Connection connection; // touched on the executor thread only

  SlotMonitor(Supplier<ConnectionInfo> origin, ChangeFeedOptions options, FeedState state) {
    this.origin = origin;
    this.options = options;
    this.state = state;
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "outpost-change-feed-lag-" + options.slotName());
      t.setDaemon(true);
      return t;
    });
  }

  void start() {
    long every = options.lagPollInterval().toMillis();
    executor.scheduleWithFixedDelay(this::poll, 0, every, TimeUnit.MILLISECONDS);
  }

  private synchronized void poll() {
    try {
      if (connection == null) {
        Duration timeout = options.lagPollInterval().multipliedBy(5).compareTo(Duration.ofSeconds(5)) > 0
            ? options.lagPollInterval().multipliedBy(5) : Duration.ofSeconds(5);
        ConnectionInfo o = origin.get();
        connection = DriverManager.getConnection(o.controlUrl(), o.properties(options.connectTimeout(), timeout));
      }
      try (PreparedStatement ps = connection.prepareStatement("SELECT confirmed_flush_lsn::text,"
          + " pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint FROM pg_replication_slots"
          + " WHERE slot_name = ?")) {
        ps.setString(1, options.slotName());
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next() && rs.getString(1) != null) {
            state.slotConfirmed = Lsn.parse(rs.getString(1));
            state.lagBytes = Math.max(0, rs.getLong(2));
          } else {
            state.lagBytes = -1; // no slot yet (or it was dropped)
          }
        }
      }
    } catch (SQLException | RuntimeException e) {
      state.lagBytes = -1;
      log.debug("change feed {}: could not read the slot's lag: {}", options.slotName(), e.toString());
      closeConnection();
    }
  }

  private synchronized void closeConnection() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException e) {
        log.debug("change feed {}: closing the lag connection: {}", options.slotName(), e.toString());
      }
      connection = null;
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
    try {
      if (!executor.awaitTermination(options.stopTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("change feed {}: the lag monitor did not stop within {}", options.slotName(), options.stopTimeout());
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    closeConnection(); // the executor thread is gone, so this thread may touch the connection
  }
}
