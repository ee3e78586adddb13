package dev.outpost.changefeed;

import static org.awaitility.Awaitility.await;

import dev.outpost.testkit.TestOrigin;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** Helpers shared by the change feed ITs: SQL as the superuser, slot inspection and clean-up. */
final class FeedHarness {
  private static final AtomicInteger SLOTS = new AtomicInteger();

  /** Generous deadline for polling; a wait that needs it means something is wrong, not slow. */
  static final Duration DEADLINE = Duration.ofSeconds(60);

  private FeedHarness() {}

  static String newSlot(String prefix) {
    return prefix + "_" + SLOTS.incrementAndGet() + "_" + ProcessHandle.current().pid();
  }

  /** Test options: quick reconnects so that takeover and restart tests stay short. */
  static ChangeFeedOptions options(String slot) {
    return ChangeFeedOptions.defaults(slot).withReconnect(Duration.ofMillis(100), Duration.ofSeconds(1));
  }

  static ConnectionInfo app(TestOrigin origin, String database) {
    return ConnectionInfo.plain(origin.host(), origin.port(), database, TestOrigin.APP_USER, TestOrigin.APP_PASSWORD);
  }

  static ConnectionInfo superuser(TestOrigin origin, String database) {
    return ConnectionInfo.plain(origin.host(), origin.port(), database, origin.superUser(), null);
  }

  static void sql(TestOrigin origin, String database, String... statements) {
    try (Connection c = origin.superConnection(database); Statement s = c.createStatement()) {
      for (String statement : statements) {
        s.execute(statement);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  /** The slot's {@code confirmed_flush_lsn}, or null when the slot does not exist. */
  static Lsn slotConfirmed(TestOrigin origin, String slot) {
    try (Connection c = origin.superConnection();
        PreparedStatement ps = c.prepareStatement(
            "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = ?")) {
      ps.setString(1, slot);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Lsn.parse(rs.getString(1)) : null;
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  static boolean slotExists(TestOrigin origin, String slot) {
    return slotConfirmed(origin, slot) != null;
  }

  /** Drops a slot a test created (slots retain WAL), ending its consumer first if one is left. */
  static void dropSlot(TestOrigin origin, String slot) {
    await().atMost(DEADLINE).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
      try (Connection c = origin.superConnection(); Statement s = c.createStatement()) {
        s.execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = '" + slot
            + "' AND active_pid IS NOT NULL");
        s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '"
            + slot + "'");
      }
      return !slotExists(origin, slot);
    });
  }
}
