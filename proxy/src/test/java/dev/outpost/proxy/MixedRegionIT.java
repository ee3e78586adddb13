package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.cache.CacheStatus;
import dev.outpost.proxy.config.HostPort;
import dev.outpost.testkit.TestOrigin;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Nodes whose cache is off among nodes that cache (DESIGN §6.5: writes through any node
 * invalidate). A region of two nodes, node 1 caching with a long max-age and node 2 with the cache
 * off: what is written through node 2 — in simple and extended protocol, in and out of
 * transactions, DDL — reaches node 1's cache within the invalidation's propagation, never after
 * max-age; node 2 keeps none of the region's results. And over the relay: a region whose only node
 * does not cache invalidates the caches of another region.
 */
class MixedRegionIT {
  /** Long enough that a missed invalidation shows as a stale read for the whole test. */
  private static final Duration MAX_AGE = Duration.ofSeconds(120);
  private static TestOrigin origin;
  private static String db;
  private static TestRegion region;

  @BeforeAll
  static void start() throws Exception {
    origin = TestOrigin.shared();
    db = origin.createDatabase("mixed");
    try (Connection c = origin.superConnection(db)) {
      Sql.exec(c, "CREATE TABLE kv (k int PRIMARY KEY, v text)",
          "INSERT INTO kv SELECT g, 'v' || g FROM generate_series(1, 20) g",
          "ALTER TABLE kv OWNER TO " + TestOrigin.APP_USER,
          "CREATE SEQUENCE mixed_seq", "ALTER SEQUENCE mixed_seq OWNER TO " + TestOrigin.APP_USER,
          "CREATE FUNCTION mixed_fn() RETURNS bigint IMMUTABLE LANGUAGE sql AS $$ SELECT 0::bigint $$",
          "ALTER FUNCTION mixed_fn() OWNER TO " + TestOrigin.APP_USER);
    }
    region = TestRegion.startWithPolicies(origin, db, "mix", 2, 8,
        i -> i == 0 ? TestRegion.policy(MAX_AGE, Duration.ofSeconds(15)) : TestRegion.cacheOff(), null, null, b -> b);
  }

  @AfterAll
  static void stop() {
    region.close();
  }

  private static long hits(TestNode n) {
    return n.node().cacheService().cache().stats().count(CacheStatus.HIT);
  }

  /** Reads through {@code c} until node {@code n} answers it from its cache. */
  private static void untilHit(TestNode n, Connection c, String read) throws Exception {
    for (int i = 0; i < 100; i++) {
      long before = hits(n);
      Sql.value(c, read);
      if (hits(n) > before) {
        return;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("node never served " + read + " from its cache");
  }

  /** Reads through {@code c} until it shows {@code expected}, for at most 5 s (far below max-age). */
  private static void untilSeen(Connection c, String read, String expected) throws Exception {
    String seen = Sql.value(c, read);
    for (int i = 0; i < 500 && !expected.equals(seen); i++) {
      Thread.sleep(10);
      seen = Sql.value(c, read);
    }
    assertThat(seen).as("what the caching node serves after a write through the cache-off node").isEqualTo(expected);
  }

  @Test
  void writesThroughTheCacheOffNode_reachTheCachingNode_inEveryProtocolAndInTransactions() throws Exception {
    TestNode caching = region.get(0);
    String read = "SELECT v AS mixed_read FROM kv WHERE k = 1";
    try (Connection reader = caching.connect(); Connection extended = region.get(1).connect("prepareThreshold=1");
        Connection simple = region.get(1).connect("preferQueryMode=simple")) {
      untilHit(caching, reader, read);
      Sql.exec(simple, "UPDATE kv SET v = 'simple' WHERE k = 1");
      untilSeen(reader, read, "simple");

      untilHit(caching, reader, read);
      for (String value : List.of("prepared 1", "prepared 2")) { // the second runs as a named statement
        try (PreparedStatement ps = extended.prepareStatement("UPDATE kv SET v = ? WHERE k = ?")) {
          ps.setString(1, value);
          ps.setInt(2, 1);
          assertThat(ps.executeUpdate()).isEqualTo(1);
        }
        untilSeen(reader, read, value);
        untilHit(caching, reader, read);
      }

      extended.setAutoCommit(false);
      Sql.exec(extended, "UPDATE kv SET v = 'rolled back' WHERE k = 1");
      extended.rollback();
      Sql.exec(extended, "INSERT INTO kv VALUES (100, 'x')", "UPDATE kv SET v = 'committed' WHERE k = 1");
      extended.commit();
      extended.setAutoCommit(true);
      untilSeen(reader, read, "committed");
    }
  }

  /** What node 1 knows of the catalog is forgotten when DDL runs through the node that does not cache. */
  @Test
  void ddlThroughTheCacheOffNode_makesTheCachingNodeReadTheCatalogAgain() throws Exception {
    TestNode caching = region.get(0);
    String read = "SELECT mixed_fn() AS mixed_ddl_probe";
    try (Connection reader = caching.connect(); Connection writer = region.get(1).connect()) {
      untilHit(caching, reader, read);
      double heard = caching.schemaChanges();
      Sql.exec(writer, "CREATE OR REPLACE FUNCTION mixed_fn() RETURNS bigint VOLATILE LANGUAGE sql"
          + " AS $$ SELECT nextval('mixed_seq') $$");
      String seen = Sql.value(reader, read);
      for (int i = 0; i < 500 && "0".equals(seen); i++) {
        Thread.sleep(10);
        seen = Sql.value(reader, read);
      }
      assertThat(seen).as("the DDL's invalidation reached node 1").isNotEqualTo("0");
      List<String> next = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        next.add(Sql.value(reader, read));
      }
      assertThat(next).as("node 1 knows the function is volatile now: never cached").doesNotHaveDuplicates()
          .doesNotContain(seen);
      assertThat(caching.schemaChanges()).isGreaterThan(heard);
    }
  }

  @Test
  void theCacheOffNode_keepsNoneOfTheRegionsResults() throws Exception {
    TestNode off = region.get(1);
    long received = off.node().cluster().snapshot().stats().fillsReceived();
    try (Connection reader = region.get(0).connect(); Connection c = off.connect()) {
      untilHit(region.get(0), reader, "SELECT v AS mixed_fill FROM kv WHERE k = 7");
      for (int i = 0; i < 500 && off.node().cluster().snapshot().stats().fillsReceived() == received; i++) {
        Thread.sleep(10);
      }
      assertThat(off.node().cluster().snapshot().stats().fillsReceived()).as("the fill was delivered to node 2")
          .isGreaterThan(received);
      assertThat(off.node().cacheService().cache().stats().entries()).isZero();
      var show = new dev.outpost.proxy.admin.AdminConsole(off.node()).execute("SHOW CACHE").rows();
      assertThat(show).contains(List.of("enabled", "off"), List.of("publishes_invalidations", "on"));
      assertThat(off.node().cacheService().cache().stats().fillsStored()).isZero();
      // changed behind the nodes' backs: the caching node still holds v7, the cache-off node asks the origin
      try (Connection direct = origin.superConnection(db)) {
        Sql.exec(direct, "UPDATE kv SET v = 'v7, changed at the origin' WHERE k = 7");
      }
      assertThat(Sql.value(c, "SELECT v AS mixed_fill FROM kv WHERE k = 7")).isEqualTo("v7, changed at the origin");
    }
  }

  /** A region whose node does not cache (say, the origin's own region) still invalidates another region's caches. */
  @Test
  void writeInARegionThatDoesNotCache_invalidatesAnotherRegionOverTheRelay() throws Exception {
    List<HostPort> relay = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      relay.add(new HostPort("127.0.0.1", NodeProcess.freePort()));
    }
    try (TestRegion caching = TestRegion.start(origin, db, "mxa", 1, 4, TestRegion.policy(MAX_AGE,
        Duration.ofSeconds(15)), relay.subList(0, 1), relay);
        TestRegion off = TestRegion.start(origin, db, "mxb", 1, 4, TestRegion.cacheOff(), relay.subList(1, 2), relay)) {
      awaitBridge(caching.get(0), "mxb");
      awaitBridge(off.get(0), "mxa");
      String read = "SELECT v AS mixed_relay FROM kv WHERE k = 3";
      try (Connection reader = caching.get(0).connect(); Connection writer = off.get(0).connect()) {
        untilHit(caching.get(0), reader, read);
        Sql.exec(writer, "UPDATE kv SET v = 'written in mxb' WHERE k = 3");
        untilSeen(reader, read, "written in mxb");
      }
    }
  }

  private static void awaitBridge(TestNode n, String other) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (n.node().cluster().snapshot().relay().reachableRegions().contains(other)) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("region " + other + " never became reachable over the relay");
  }
}
