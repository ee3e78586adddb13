package dev.outpost.proxy;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The fill-versus-invalidation race (DESIGN §6.6) as a workload and its checker, shared by the
 * one-node and the region race tests. Writers bump a row's version and read it back (a writer
 * must see its own write); readers record what version they saw and when their read began. The
 * checker then finds every read whose version had been superseded by an acknowledged commit, and
 * calls it a violation when that happened more than the freshness bound before the read began.
 * Works on a table {@code counters (id int PRIMARY KEY, version bigint)} with rows 1..rows.
 */
final class RaceWorkload {
  /** Opens a client connection for one worker. */
  interface Connect {
    Connection open() throws SQLException;
  }

  private record Read(int id, long version, long startNanos) {}

  private final int rows;
  private final long endNanos;
  /** "id:version" → when the commit that wrote it was acknowledged. */
  private final Map<String, Long> acks = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Read> reads = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();

  RaceWorkload(int rows, Duration duration) {
    this.rows = rows;
    this.endNanos = System.nanoTime() + duration.toNanos();
  }

  /** A writer until the end of the run; returns its operations. */
  Callable<Integer> writer(Connect connect, long seed) {
    return () -> {
      Random random = new Random(seed);
      int n = 0;
      try (Connection c = connect.open();
          PreparedStatement update = c.prepareStatement(
              "UPDATE counters SET version = version + 1 WHERE id = ? RETURNING version");
          PreparedStatement read = c.prepareStatement("SELECT version FROM counters WHERE id = ?")) {
        while (System.nanoTime() < endNanos && n < 1_000_000) {
          int id = 1 + random.nextInt(rows);
          update.setInt(1, id);
          long written;
          try (ResultSet rs = update.executeQuery()) {
            rs.next();
            written = rs.getLong(1);
          }
          acks.put(id + ":" + written, System.nanoTime());
          read.setInt(1, id);
          try (ResultSet rs = read.executeQuery()) {
            rs.next();
            long seen = rs.getLong(1);
            if (seen < written) {
              violations.add("writer read " + seen + " after writing " + written + " to " + id);
            }
          }
          n++;
        }
      }
      return n;
    };
  }

  /** A reader until the end of the run; returns its operations. */
  Callable<Integer> reader(Connect connect, long seed) {
    return () -> {
      Random random = new Random(seed);
      int n = 0;
      try (Connection c = connect.open();
          PreparedStatement read = c.prepareStatement("SELECT version FROM counters WHERE id = ?")) {
        while (System.nanoTime() < endNanos && n < 10_000_000) {
          int id = 1 + random.nextInt(rows);
          long start = System.nanoTime();
          read.setInt(1, id);
          try (ResultSet rs = read.executeQuery()) {
            rs.next();
            reads.add(new Read(id, rs.getLong(1), start));
          }
          n++;
        }
      }
      return n;
    };
  }

  /**
   * Checks every read (after all workers finished): adds a violation for each version superseded
   * more than {@code bound} before the read began, and returns how many reads returned a version
   * superseded by an acknowledged commit less than {@code bound} before.
   */
  int check(Duration bound) {
    int behind = 0;
    for (Read read : reads) {
      Long superseded = acks.get(read.id() + ":" + (read.version() + 1));
      if (superseded == null) {
        continue;
      }
      if (superseded + bound.toNanos() < read.startNanos()) {
        violations.add("read of " + read.id() + " returned version " + read.version() + ", superseded "
            + (read.startNanos() - superseded) / 1_000_000 + " ms before the read began");
      } else if (superseded < read.startNanos()) {
        behind++;
      }
    }
    return behind;
  }

  ConcurrentLinkedQueue<String> violations() {
    return violations;
  }

  int readsRecorded() {
    return reads.size();
  }

  int writesAcknowledged() {
    return acks.size();
  }
}
