package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.cache.CacheStatus;
import dev.outpost.proxy.config.HostPort;
import dev.outpost.testkit.TestOrigin;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two regions of two nodes each, bridged by RELAY on loopback: a write through a node of region B
 * removes the cached read from every node of region A, whose next read shows the new value. The
 * propagation time is measured and logged, never asserted.
 */
class CrossRegionIT {
  private static final Logger log = LoggerFactory.getLogger(CrossRegionIT.class);

  @Test
  void writeInRegionB_invalidatesEveryNodeOfRegionA() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("regions");
    try (Connection c = origin.superConnection(db)) {
      Sql.exec(c, "CREATE TABLE kv (k int PRIMARY KEY, v text)",
          "INSERT INTO kv SELECT g, 'v' || g FROM generate_series(1, 20) g",
          "ALTER TABLE kv OWNER TO " + TestOrigin.APP_USER);
    }
    List<HostPort> relay = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      relay.add(new HostPort("127.0.0.1", NodeProcess.freePort()));
    }
    try (TestRegion a = TestRegion.start(origin, db, "ra", 2, 8, null, relay.subList(0, 2), relay);
        TestRegion b = TestRegion.start(origin, db, "rb", 2, 8, null, relay.subList(2, 4), relay)) {
      TestRegion.awaitBridge(a, b);
      String read = "SELECT v FROM kv WHERE k = 3";
      List<Connection> readersA = List.of(a.get(0).connect(), a.get(1).connect());
      try (Connection writerB = b.get(1).connect()) {
        for (Connection r : readersA) {
          untilHit(a, r, read);
        }
        List<Long> millis = new ArrayList<>();
        for (int round = 0; round < 10; round++) {
          String value = "round " + round;
          long start = System.nanoTime();
          Sql.exec(writerB, "UPDATE kv SET v = '" + value + "' WHERE k = 3");
          for (Connection r : readersA) {
            String seen = Sql.value(r, read);
            for (int i = 0; i < 1000 && !value.equals(seen); i++) {
              Thread.sleep(2);
              seen = Sql.value(r, read);
            }
            assertThat(seen).isEqualTo(value);
          }
          millis.add((System.nanoTime() - start) / 1_000_000);
          for (Connection r : readersA) {
            untilHit(a, r, read); // cached again before the next round
          }
        }
        Collections.sort(millis);
        log.info("cross-region invalidation seen on both nodes of region A after p50 {} ms, max {} ms "
            + "(loopback, no emulated delay)", millis.get(millis.size() / 2), millis.get(millis.size() - 1));
      } finally {
        for (Connection r : readersA) {
          r.close();
        }
      }
    }
  }

  private static void untilHit(TestRegion region, Connection c, String read) throws Exception {
    for (int i = 0; i < 100; i++) {
      long hits = 0;
      for (TestNode n : region.nodes) {
        hits += n.node().cacheService().cache().stats().count(CacheStatus.HIT);
      }
      Sql.value(c, read);
      long after = 0;
      for (TestNode n : region.nodes) {
        after += n.node().cacheService().cache().stats().count(CacheStatus.HIT);
      }
      if (after > hits) {
        return;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("never a hit");
  }
}
