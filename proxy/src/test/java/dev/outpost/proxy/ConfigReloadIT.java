package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.cache.CacheStatus;
import dev.outpost.proxy.config.ConfigDiff;
import dev.outpost.proxy.config.ConfigLoader;
import dev.outpost.proxy.server.OutpostNode;
import dev.outpost.testkit.TestOrigin;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.epoll.EpollSocketChannelConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** RELOAD re-reads the file: pool size and cache rules change live, a connected client keeps working. */
class ConfigReloadIT {
  @Test
  void reload_poolSizeAndCacheRules_changeLive_withoutDroppingAClient() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("reload");
    try (Connection c = origin.superConnection(db)) {
      Sql.exec(c, "CREATE TABLE kv (k int PRIMARY KEY, v text)", "INSERT INTO kv VALUES (1, 'one')",
          "ALTER TABLE kv OWNER TO " + TestOrigin.APP_USER);
    }
    Path file = Files.createTempFile("outpost-reload-", ".yaml");
    String base = "listen: 127.0.0.1:0\norigin: " + origin.originUrl(db) + "\npool-min-idle: 0\n";
    Files.writeString(file, base + "pool-size: 2\n");
    ConfigLoader loader = new ConfigLoader(file, Map.of(), Map.of());
    try (OutpostNode node = new OutpostNode(loader.load().config()).start();
        Connection client = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + node.port() + "/" + db
            + "?user=" + TestOrigin.APP_USER + "&password=" + TestOrigin.APP_PASSWORD)) {
      node.configSource(loader::load);
      String read = "SELECT v FROM kv WHERE k = 1";
      long hits = node.cacheService().cache().stats().count(CacheStatus.HIT);
      for (int i = 0; i < 100 && node.cacheService().cache().stats().count(CacheStatus.HIT) == hits; i++) {
        assertThat(Sql.value(client, read)).isEqualTo("one");
        Thread.sleep(20);
      }
      assertThat(node.pools()).allSatisfy(p -> assertThat(p.stats().maxSize()).isEqualTo(2));

      Files.writeString(file, base.replace("127.0.0.1:0", "127.0.0.1:1") + "pool-size: 5\ncache-rules:\n"
          + "  - {table: public.kv, cache: off}\n");
      ConfigDiff diff = node.reloadFromSource();

      assertThat(diff.liveChanges()).extracting(ConfigDiff.Change::key).contains("pool-size", "cache-rules");
      assertThat(diff.restartChanges()).extracting(ConfigDiff.Change::key).containsExactly("listen");
      assertThat(node.pools()).allSatisfy(p -> assertThat(p.stats().maxSize()).isEqualTo(5));
      long bypass = node.cacheService().cache().stats().count(CacheStatus.BYPASS);
      assertThat(Sql.value(client, read)).as("the same client, still connected").isEqualTo("one");
      assertThat(node.cacheService().cache().stats().count(CacheStatus.BYPASS)).isEqualTo(bypass + 1);
      assertThat(node.port()).as("listen changes only after a restart").isNotEqualTo(1);
    } finally {
      Files.deleteIfExists(file);
    }
  }
  /**
   * Origin connections carry the keepalive timing and TCP_USER_TIMEOUT that make a silently lost
   * origin noticed (read back from the kernel with getsockopt), and a reload applies new values —
   * and a new connect timeout — to connections opened afterwards.
   */
  @Test
  void reload_originSocketSettings_applyToNewOriginConnections() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(io.netty.channel.epoll.Epoll.isAvailable(),
        "TCP_USER_TIMEOUT is set through the epoll transport");
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("sockets");
    Path file = Files.createTempFile("outpost-sockets-", ".yaml");
    String base = "listen: 127.0.0.1:0\norigin: " + origin.originUrl(db) + "\npool-min-idle: 0\n";
    Files.writeString(file, base); // the defaults: keepalive after 30 s idle, user timeout 60 s
    ConfigLoader loader = new ConfigLoader(file, Map.of(), Map.of());
    String url = "jdbc:postgresql://127.0.0.1:%d/" + db + "?user=" + TestOrigin.APP_USER + "&password="
        + TestOrigin.APP_PASSWORD;
    try (OutpostNode node = new OutpostNode(loader.load().config()).start();
        Connection first = DriverManager.getConnection(url.formatted(node.port()));
        Connection second = DriverManager.getConnection(url.formatted(node.port()))) {
      node.configSource(loader::load);
      first.setAutoCommit(false);
      assertThat(Sql.value(first, "SELECT 1")).isEqualTo("1"); // holds its origin connection: the next one is new
      EpollSocketChannelConfig before = onlyConnection(node).config();
      assertThat(before.isKeepAlive()).isTrue();
      assertThat(before.getTcpKeepIdle()).isEqualTo(30);
      assertThat(before.getTcpKeepIntvl()).isEqualTo(10);
      assertThat(before.getTcpKeepCnt()).isEqualTo(3);
      assertThat(before.getTcpUserTimeout()).isEqualTo(60_000);

      Files.writeString(file, base + "origin-keepalive: 45s\norigin-tcp-user-timeout: 20s\npool-connect-timeout: 3s\n");
      ConfigDiff diff = node.reloadFromSource();
      assertThat(diff.liveChanges()).extracting(ConfigDiff.Change::key)
          .contains("origin-keepalive", "origin-tcp-user-timeout", "pool-connect-timeout");
      assertThat(node.connector().settings().connectTimeout()).isEqualTo(java.time.Duration.ofSeconds(3));

      assertThat(Sql.value(second, "SELECT 2")).isEqualTo("2");
      EpollSocketChannel opened = node.pools().iterator().next().connections().stream()
          .map(c -> (EpollSocketChannel) c.channel()).filter(ch -> ch.config() != before).findFirst().orElseThrow();
      assertThat(opened.config().getTcpKeepIdle()).isEqualTo(45);
      assertThat(opened.config().getTcpKeepIntvl()).isEqualTo(15);
      assertThat(opened.config().getTcpUserTimeout()).isEqualTo(20_000);
      assertThat(before.getTcpKeepIdle()).as("an open connection keeps its settings").isEqualTo(30);
      first.rollback();
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /**
   * The operator rotates the origin role's password: first on the origin, then in the node's file,
   * then RELOAD. Meanwhile the open origin connections go on serving (a burst waits for them rather
   * than failing on the refused new ones); once none is open, a client is told that the origin
   * refused the login and to RELOAD, with its session going on; after the RELOAD the pool, the
   * catalog connections and new client logins use the new password, without a restart.
   */
  @Test
  void reload_aRotatedOriginPassword_isUsedForNewOriginConnections_withoutARestart() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("rotate");
    String role = "rotating_" + db;
    try (Connection su = origin.superConnection(db)) {
      Sql.exec(su, "DROP ROLE IF EXISTS " + role, "CREATE ROLE " + role + " LOGIN PASSWORD 'old-pw'",
          "CREATE TABLE kv (k int PRIMARY KEY, v text)", "INSERT INTO kv VALUES (1, 'one')",
          "CREATE TABLE other (k int PRIMARY KEY, v text)", "INSERT INTO other VALUES (1, 'uno')",
          "ALTER TABLE kv OWNER TO " + role, "ALTER TABLE other OWNER TO " + role);
    }
    Path file = Files.createTempFile("outpost-rotate-", ".yaml");
    String rest = "\nlisten: 127.0.0.1:0\npool-min-idle: 0\npool-size: 4\npool-acquire-timeout: 30s\n";
    Files.writeString(file, "origin: " + origin.originUrl(role, "old-pw", db) + rest);
    ConfigLoader loader = new ConfigLoader(file, Map.of(), Map.of());
    String url = "jdbc:postgresql://127.0.0.1:%d/" + db + "?user=" + role + "&password=%s";
    try (OutpostNode node = new OutpostNode(loader.load().config()).start();
        Connection client = DriverManager.getConnection(url.formatted(node.port(), "old-pw"))) {
      node.configSource(loader::load);
      awaitHit(node, client, "SELECT v FROM kv WHERE k = 1", "one"); // the catalog has logged in as well
      dev.outpost.proxy.origin.OriginPool pool = node.pools().iterator().next();

      try (Connection su = origin.superConnection(db)) {
        Sql.exec(su, "ALTER ROLE " + role + " PASSWORD 'new-pw'");
      }
      java.util.List<Throwable> errors = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
      java.util.List<Thread> burst = new java.util.ArrayList<>();
      for (int t = 0; t < 6; t++) {
        Thread th = new Thread(() -> {
          try (Connection c = DriverManager.getConnection(url.formatted(node.port(), "old-pw"))) {
            for (int n = 0; n < 10; n++) {
              assertThat(Sql.value(c, "SELECT 1 FROM pg_sleep(0.01)")).isEqualTo("1");
            }
          } catch (Throwable e) {
            errors.add(e);
          }
        });
        th.start();
        burst.add(th);
      }
      for (Thread th : burst) {
        th.join(60_000);
      }
      assertThat(errors).as("a burst while the origin refuses new logins waits for the open connections").isEmpty();
      assertThat(pool.stats().lastError()).contains("password authentication failed");

      try (Connection su = origin.superConnection(db)) {
        Sql.exec(su, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '" + role + "'");
      }
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> pool.stats().total() == 0);
      org.postgresql.util.PSQLException refused = org.junit.jupiter.api.Assertions.assertThrows(
          org.postgresql.util.PSQLException.class, () -> Sql.value(client, "SELECT 'refused'"));
      assertThat(refused.getSQLState()).isEqualTo("28P01");
      assertThat(refused.getServerErrorMessage().getMessage())
          .startsWith("the origin refused a new connection: password authentication failed for user");
      assertThat(refused.getServerErrorMessage().getHint()).contains("password was changed").contains("RELOAD");

      Files.writeString(file, "origin: " + origin.originUrl(role, "new-pw", db) + rest);
      ConfigDiff diff = node.reloadFromSource();

      assertThat(diff.restartChanges()).isEmpty();
      assertThat(diff.liveChanges()).singleElement().satisfies(ch -> {
        assertThat(ch.key()).isEqualTo("origin");
        assertThat(ch.toString()).endsWith(" (changed)").doesNotContain("-pw");
      });
      assertThat(Sql.value(client, "SELECT 'after'")).as("the same session, on a new origin connection")
          .isEqualTo("after");
      awaitHit(node, client, "SELECT v FROM other WHERE k = 1", "uno"); // a new catalog lookup, a new login
      try (Connection fresh = DriverManager.getConnection(url.formatted(node.port(), "new-pw"))) {
        assertThat(Sql.value(fresh, "SELECT 'new login'")).isEqualTo("new login");
      }
      java.sql.SQLException oldLogin = org.junit.jupiter.api.Assertions.assertThrows(java.sql.SQLException.class,
          () -> DriverManager.getConnection(url.formatted(node.port(), "old-pw")).close());
      assertThat(oldLogin.getSQLState()).as("clients log in with the origin URL's password").isEqualTo("28P01");
    } finally {
      Files.deleteIfExists(file);
      try (Connection su = origin.superConnection(db)) {
        Sql.exec(su, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '" + role + "'");
      }
    }
  }

  /** Reads until a read is a cache hit: the node knows the catalog's facts about its table. */
  private static void awaitHit(OutpostNode node, Connection c, String read, String expected) throws Exception {
    for (int i = 0; i < 200; i++) {
      long hits = node.cacheService().cache().stats().count(CacheStatus.HIT);
      assertThat(Sql.value(c, read)).isEqualTo(expected);
      if (node.cacheService().cache().stats().count(CacheStatus.HIT) > hits) {
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("never a cache hit for " + read);
  }

  private static EpollSocketChannel onlyConnection(OutpostNode node) {
    assertThat(node.pools()).hasSize(1);
    java.util.List<dev.outpost.proxy.origin.OriginConnection> all = node.pools().iterator().next().connections();
    assertThat(all).hasSize(1);
    return (EpollSocketChannel) all.get(0).channel();
  }
}
