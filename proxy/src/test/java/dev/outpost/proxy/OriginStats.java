package dev.outpost.proxy;

import dev.outpost.testkit.TestOrigin;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** What the origin executed, from pg_stat_statements: the proof that a hit did not reach it. */
final class OriginStats {
  private final TestOrigin origin;
  private final String database;

  OriginStats(TestOrigin origin, String database) {
    this.origin = origin;
    this.database = database;
  }

  /** Executions in this database of statements whose text contains {@code fragment}. */
  long calls(String fragment) throws SQLException {
    try (Connection c = origin.superConnection(); PreparedStatement ps = c.prepareStatement(
        "SELECT coalesce(sum(s.calls), 0) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid"
            + " WHERE d.datname = ? AND s.query LIKE ?")) {
      ps.setString(1, database);
      ps.setString(2, "%" + fragment + "%");
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** Forgets all counts (of every database). */
  void reset() throws SQLException {
    try (Connection c = origin.superConnection()) {
      Sql.exec(c, "SELECT pg_stat_statements_reset()");
    }
  }
}
