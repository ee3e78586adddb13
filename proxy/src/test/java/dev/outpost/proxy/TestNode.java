package dev.outpost.proxy;

import dev.outpost.proxy.cache.CacheService;
import dev.outpost.proxy.cache.ReadPlan;
import dev.outpost.proxy.catalog.CatalogInspector;
import dev.outpost.proxy.config.OriginUrl;
import dev.outpost.proxy.config.ProxyConfig;
import dev.outpost.proxy.server.OutpostNode;
import dev.outpost.testkit.TestOrigin;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.function.UnaryOperator;

/** An Outpost node on an ephemeral loopback port in front of a test origin database. */
public final class TestNode implements AutoCloseable {
  private final OutpostNode node;
  private final String database;

  private TestNode(OutpostNode node, String database) {
    this.node = node;
    this.database = database;
  }

  /** A node for {@code database} of the shared origin, logging in as the app user, customized by {@code config}. */
  public static TestNode start(TestOrigin origin, String database, UnaryOperator<ProxyConfig.Builder> config) {
    return start(origin, database, config, OutpostNode.Options.defaults());
  }

  /** A node with extra options (cache policy, injected clock, users). */
  public static TestNode start(TestOrigin origin, String database, UnaryOperator<ProxyConfig.Builder> config,
      OutpostNode.Options options) {
    ProxyConfig.Builder b = ProxyConfig.builder(OriginUrl.parse(origin.originUrl(database))).listen("127.0.0.1", 0)
        .minIdle(0);
    try {
      return new TestNode(new OutpostNode(config.apply(b).build(), options).start(), database);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** {@code outpost_catalog_schema_changes_total} of this node: the schema changes it heard of. */
  public double schemaChanges() {
    return node().metrics().registry().get("outpost.catalog.schema.changes").counter().count();
  }

  public OutpostNode node() {
    return node;
  }

  public int port() {
    return node.port();
  }

  /** JDBC URL through Outpost as the app user, plus {@code extra} URL parameters. */
  public String jdbcUrl(String extra) {
    return "jdbc:postgresql://127.0.0.1:" + port() + "/" + database + "?user=" + TestOrigin.APP_USER + "&password="
        + TestOrigin.APP_PASSWORD + (extra == null || extra.isEmpty() ? "" : "&" + extra);
  }

  public Connection connect(String extra) throws SQLException {
    return DriverManager.getConnection(jdbcUrl(extra));
  }

  public Connection connect() throws SQLException {
    return connect("");
  }

  /** A connection through Outpost as another user. */
  public Connection connectAs(String user, String password, String extra) throws SQLException {
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port() + "/" + database + "?user=" + user
        + "&password=" + password + (extra == null || extra.isEmpty() ? "" : "&" + extra));
  }

  public String database() {
    return database;
  }

  @Override
  public void close() {
    node.close();
  }

  /**
   * How the node's cache would plan {@code sql} for {@code login}, once the catalog has described
   * what it uses (waits up to 4 s for that; fails the test if it never does).
   */
  public ReadPlan plan(CatalogInspector.Login login, String sql) throws InterruptedException {
    CacheService service = node.cacheService();
    for (int i = 0; i < 200; i++) {
      ReadPlan plan = service.planRead(login, service.classify(sql), true);
      if (plan != null) {
        return plan;
      }
      Thread.sleep(20); // catalog facts on their way
    }
    throw new AssertionError("the catalog never described what " + sql + " uses");
  }

  /**
   * Whether the node may run {@code sql} once more without a client noticing ({@link
   * CacheService#repeat}), once the catalog has described its code (waits up to 4 s for that).
   */
  public CacheService.Repeat repeat(String sql) throws InterruptedException {
    CacheService service = node.cacheService();
    CatalogInspector.Login login = new CatalogInspector.Login(TestOrigin.APP_USER, TestOrigin.APP_PASSWORD, database);
    for (int i = 0; i < 200; i++) {
      CacheService.Repeat answer = service.repeat(login, service.codeFacts(sql));
      if (answer != CacheService.Repeat.NOT_KNOWN_YET) {
        return answer;
      }
      Thread.sleep(20); // catalog facts on their way
    }
    throw new AssertionError("the catalog never described the code of " + sql);
  }
}
