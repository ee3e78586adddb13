package dev.outpost.bench.lab;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Counts how often the origin executed a statement, from {@code pg_stat_statements}. It is how the
 * bench proves that a "hit" row was served by a cache: hits never reach the origin.
 */
public final class OriginCounter {
  private static final String CALLS = "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements "
      + "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query LIKE ? || '%'";

  private final Endpoint origin;

  private OriginCounter(Endpoint origin) {
    this.origin = origin;
  }

  /** A counter when the origin has {@code pg_stat_statements} readable by the bench's role. */
  static Availability<OriginCounter> probe(Endpoint origin) {
    OriginCounter counter = new OriginCounter(origin);
    try {
      counter.calls(Dataset.READ_AS_NORMALIZED);
      return Availability.present(counter);
    } catch (SQLException e) {
      return Availability.missing("pg_stat_statements is not readable at the origin (" + e.getMessage().strip() + ")");
    }
  }

  /** Executions at the origin so far of statements whose normalized text starts with {@code prefix}. */
  public long calls(String prefix) throws SQLException {
    try (Connection c = origin.connect(); PreparedStatement ps = c.prepareStatement(CALLS)) {
      ps.setString(1, prefix.replace("%", "\\%").replace("_", "\\_"));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }
}
