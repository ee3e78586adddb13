package dev.outpost.bench.scenario;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.outpost.bench.lab.Endpoint;
import dev.outpost.bench.load.Worker;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;

/** The ways a scenario connects to an endpoint, as {@link Comparison.Driver}s. */
final class Drivers {
  /**
   * Server-side bound of one statement where the scenario's latencies are WAN-scale; the loopback
   * micro-benchmarks leave it off, since arming its timer costs about what they measure.
   */
  static final int QUERY_TIMEOUT_SECONDS = 30;

  private Drivers() {}

  /** A worker over one connection of its own, opened (and prepared) before the measurement. */
  @FunctionalInterface
  interface ConnectionWorker {
    Worker open(Connection connection, int index) throws SQLException;
  }

  /** Each client holds one connection for the whole phase, as pgbench does. */
  static Comparison.Driver dedicated(Endpoint endpoint, Map<String, String> defaults, ConnectionWorker body) {
    Endpoint e = withDefaults(endpoint, defaults);
    return () -> index -> {
      Connection c = e.connect();
      try {
        Worker inner = body.open(c, index);
        return new Worker() {
          @Override
          public String execute(long sequence) throws Exception {
            return inner.execute(sequence);
          }

          @Override
          public void close() throws Exception {
            try {
              inner.close();
            } finally {
              c.close();
            }
          }
        };
      } catch (SQLException | RuntimeException ex) {
        c.close();
        throw ex;
      }
    };
  }

  /** An application pool (HikariCP) of {@code size} connections shared by all clients. */
  static Comparison.Driver pooled(Endpoint endpoint, int size, PoolWorker body) {
    HikariConfig config = new HikariConfig();
    config.setPoolName("bench-" + endpoint.label().replaceAll("[^A-Za-z0-9]+", "-"));
    config.setJdbcUrl(endpoint.address().jdbcUrl());
    config.setDataSourceProperties(endpoint.properties());
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(size);
    config.setConnectionTimeout(30_000);
    config.setInitializationFailTimeout(30_000);
    HikariDataSource pool = new HikariDataSource(config);
    return new Comparison.Driver() {
      @Override
      public Worker.Factory workers() {
        return index -> body.open(pool, index);
      }

      @Override
      public void close() {
        pool.close();
      }
    };
  }

  /** A worker that borrows from the shared pool per operation. */
  @FunctionalInterface
  interface PoolWorker {
    Worker open(HikariDataSource pool, int index) throws Exception;
  }

  /** Settings the scenario wants unless the endpoint already says otherwise (PgBouncer's prepareThreshold). */
  static Endpoint withDefaults(Endpoint endpoint, Map<String, String> defaults) {
    Endpoint e = endpoint;
    for (Map.Entry<String, String> d : defaults.entrySet()) {
      if (!endpoint.driverSettings().containsKey(d.getKey())) {
        e = e.withDriverSetting(d.getKey(), d.getValue());
      }
    }
    return e;
  }

  /** Runs a prepared point read and insists on getting its row, so an empty answer is an error. */
  static void readRow(PreparedStatement read, long key) throws SQLException {
    read.setLong(1, key);
    try (ResultSet rs = read.executeQuery()) {
      if (!rs.next()) {
        throw new SQLException("no row for id " + key + " (the data set is incomplete)");
      }
    }
  }

  /** Runs a prepared single-value query and returns the value. */
  static long readLong(PreparedStatement query) throws SQLException {
    try (ResultSet rs = query.executeQuery()) {
      if (!rs.next()) {
        throw new SQLException("the query returned no row");
      }
      return rs.getLong(1);
    }
  }
}
