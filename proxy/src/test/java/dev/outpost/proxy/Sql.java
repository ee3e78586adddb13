package dev.outpost.proxy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** Tiny JDBC helpers for tests. */
public final class Sql {
  private Sql() {}

  /** The first column of the first row of {@code sql}, as a string (null for SQL NULL or no row). */
  public static String value(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  /** Every row of {@code sql} as "a|b|c" lines (for diagnostics in failure messages and logs). */
  public static String rows(Connection c, String sql) throws SQLException {
    StringBuilder b = new StringBuilder();
    try (java.sql.Statement s = c.createStatement(); java.sql.ResultSet rs = s.executeQuery(sql)) {
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        b.append('\n');
        for (int i = 1; i <= n; i++) {
          b.append(i > 1 ? "|" : "").append(rs.getString(i));
        }
      }
    }
    return b.toString();
  }

  /**
   * The rows {@code read} returns for the one int parameter {@code id}, each column as
   * "name=value" (by the names the driver was given: a driver decoding by stale columns shows).
   */
  public static String namedRows(java.sql.PreparedStatement read, int id) throws SQLException {
    read.setInt(1, id);
    try (ResultSet rs = read.executeQuery()) {
      StringBuilder b = new StringBuilder();
      java.sql.ResultSetMetaData md = rs.getMetaData();
      while (rs.next()) {
        for (int i = 1; i <= md.getColumnCount(); i++) {
          b.append(i == 1 ? "" : " ").append(md.getColumnName(i)).append('=').append(rs.getString(i));
        }
      }
      return b.toString();
    }
  }

  public static long longValue(Connection c, String sql) throws SQLException {
    return Long.parseLong(value(c, sql));
  }

  public static void exec(Connection c, String... sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      for (String q : sql) {
        s.execute(q);
      }
    }
  }

  /** The SQLSTATE of the exception {@code action} throws, or null if it does not throw. */
  public static String sqlstateOf(ThrowingRunnable action) {
    try {
      action.run();
      return null;
    } catch (SQLException e) {
      return e.getSQLState();
    }
  }

  /** A JDBC action that may throw. */
  @FunctionalInterface
  public interface ThrowingRunnable {
    void run() throws SQLException;
  }
}
