package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.cache.CacheStatus;
import dev.outpost.proxy.config.ConfigDiff;
import dev.outpost.proxy.config.ConfigLoader;
import dev.outpost.proxy.server.OutpostNode;
import dev.outpost.testkit.TestOrigin;
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
}
