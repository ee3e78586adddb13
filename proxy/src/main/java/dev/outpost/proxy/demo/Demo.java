package dev.outpost.proxy.demo;

import dev.outpost.proxy.config.OriginUrl;
import dev.outpost.proxy.config.ProxyConfig;
import dev.outpost.proxy.config.TlsMode;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import dev.outpost.proxy.server.OutpostNode;
import dev.outpost.wan.WanEmulator;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The demo: an embedded Postgres (the "distant origin") with a small shop schema, an emulated
 * WAN in front of it, and one Outpost node in front of that. Closing it stops all three.
 */
public final class Demo implements AutoCloseable {
  public static final String USER = "demo";
  public static final String PASSWORD = "demo";
  public static final String DATABASE = "shop";
  /** The demo node's admin console login (database {@code outpost}). */
  public static final String ADMIN_USER = "admin";
  public static final String ADMIN_PASSWORD = "admin";

  private final EmbeddedPostgres origin;
  private final Path dataDirectory;
  private final WanEmulator wan;
  private final OutpostNode node;
  private final Duration delay;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final AtomicBoolean closed = new AtomicBoolean();

  private Demo(EmbeddedPostgres origin, Path dataDirectory, WanEmulator wan, OutpostNode node, Duration delay) {
    this.origin = origin;
    this.dataDirectory = dataDirectory;
    this.wan = wan;
    this.node = node;
    this.delay = delay;
  }

  /** Starts the origin, the WAN and the node on {@code host:port}. */
  public static Demo start(Duration wanDelay, String host, int port) throws IOException, SQLException,
      InterruptedException, java.security.cert.CertificateException {
    Path dir = Files.createTempDirectory("outpost-demo-");
    EmbeddedPostgres pg = EmbeddedPostgres.builder()
        .setDataDirectory(dir)
        .setCleanDataDirectory(false) // close() deletes it once Postgres stopped (zonky's own clean-up races that)
        .setServerConfig("listen_addresses", "127.0.0.1")
        .setServerConfig("max_connections", "200")
        .start();
    WanEmulator wan = null;
    OutpostNode node = null;
    try {
      seed(pg);
      wan = WanEmulator.builder().listen("127.0.0.1", 0).target("127.0.0.1", pg.getPort()).delay(wanDelay).start();
      OriginUrl originUrl = OriginUrl.parse("postgresql://" + USER + ":" + PASSWORD + "@127.0.0.1:" + wan.port()
          + "/" + DATABASE);
      // TLS for clients with a certificate made for this run (psql uses it by default: sslmode=prefer)
      SelfSignedCertificate certificate = new SelfSignedCertificate("localhost");
      node = new OutpostNode(ProxyConfig.builder(originUrl).listen(host, port).poolSize(10).minIdle(2)
          .adminUser(ADMIN_USER).adminPassword(ADMIN_PASSWORD)
          .tlsMode(TlsMode.ALLOW).tlsCert(certificate.certificate().toPath())
          .tlsKey(certificate.privateKey().toPath()).build()).start();
      return new Demo(pg, dir, wan, node, wanDelay);
    } catch (IOException | SQLException | InterruptedException | RuntimeException
        | java.security.cert.CertificateException e) {
      if (node != null) {
        node.close();
      }
      if (wan != null) {
        wan.close();
      }
      pg.close();
      deleteQuietly(dir);
      throw e;
    }
  }

  private static void seed(EmbeddedPostgres pg) throws SQLException, IOException {
    String url = "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/postgres?user=postgres";
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
      s.execute("CREATE ROLE " + USER + " LOGIN PASSWORD '" + PASSWORD + "'");
      s.execute("CREATE DATABASE " + DATABASE + " OWNER " + USER);
    }
    String shopUrl = "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/" + DATABASE + "?user=" + USER;
    try (InputStream in = Demo.class.getResourceAsStream("/demo/shop.sql");
        Connection c = DriverManager.getConnection(shopUrl); Statement s = c.createStatement()) {
      if (in == null) {
        throw new IOException("demo/shop.sql is missing from the jar");
      }
      s.execute(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  public OutpostNode node() {
    return node;
  }

  /** The libpq URL that reaches the shop database through Outpost. */
  public String outpostUrl() {
    return "postgresql://" + USER + ":" + PASSWORD + "@" + node.address().getHostString() + ":" + node.port() + "/"
        + DATABASE;
  }

  /** The libpq URL of the node's admin console. */
  public String adminUrl() {
    return "postgresql://" + ADMIN_USER + ":" + ADMIN_PASSWORD + "@" + node.address().getHostString() + ":"
        + node.port() + "/outpost";
  }

  /** The libpq URL that reaches the origin directly through the emulated WAN (for comparison). */
  public String directUrl() {
    return "postgresql://" + USER + ":" + PASSWORD + "@127.0.0.1:" + wan.port() + "/" + DATABASE;
  }

  /** What the demo prints once it is up. */
  public String banner() {
    return String.join("\n",
        "outpost demo ready",
        "  origin:  embedded Postgres on 127.0.0.1:" + origin.getPort() + " behind an emulated WAN of "
            + delay.toMillis() + " ms each way (127.0.0.1:" + wan.port() + ")",
        "  outpost: " + node.address().getHostString() + ":" + node.port()
            + " (transaction pooling, query cache on, TLS offered with a self-signed certificate)",
        "",
        "connect through Outpost:",
        "  psql '" + outpostUrl() + "'",
        "compare with the origin across the WAN:",
        "  psql '" + directUrl() + "'",
        "the node's admin console (SHOW POOLS, SHOW CACHE, SHOW STATS, SHOW HELP):",
        "  psql '" + adminUrl() + "'",
        "",
        "tables: products, customers, orders.  Ctrl-C stops everything.");
  }

  /** Blocks until {@link #close()} is called. */
  public void awaitStop() throws InterruptedException {
    stopped.await();
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      node.close();
      wan.close();
      origin.close();
      deleteQuietly(dataDirectory);
    } catch (IOException e) {
      System.err.println("outpost demo: origin did not stop cleanly: " + e.getMessage());
    } finally {
      stopped.countDown();
    }
  }

  private static void deleteQuietly(Path dir) {
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | java.io.UncheckedIOException e) {
      // a temp directory left behind is harmless
    }
  }
}
