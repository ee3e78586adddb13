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

  private static EpollSocketChannel onlyConnection(OutpostNode node) {
    assertThat(node.pools()).hasSize(1);
    java.util.List<dev.outpost.proxy.origin.OriginConnection> all = node.pools().iterator().next().connections();
    assertThat(all).hasSize(1);
    return (EpollSocketChannel) all.get(0).channel();
  }
}
