package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.cache.CacheStatus;
import dev.outpost.testkit.TestOrigin;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Three nodes of one region in one JVM on loopback TCP (DESIGN §1, §6.6, §5.6): a miss on one node
 * is a hit on the others, a write through any node is seen by all, the §6.6 race finds no
 * violation across nodes, and the region never holds more origin connections than its budget.
 */
class ClusterRegionIT {
  private static final Logger log = LoggerFactory.getLogger(ClusterRegionIT.class);
  private static final Duration MAX_AGE = Duration.ofSeconds(2);
  private static final Duration SWR = Duration.ofSeconds(1);
  private static final int BUDGET = 12;
  private static final String ADMIN = "regionadmin";
  private static final String ADMIN_PW = "region-admin-secret";
  private static TestOrigin origin;
  private static String db;
  private static TestRegion region;
  private static OriginStats stats;

  @BeforeAll
  static void start() throws Exception {
    origin = TestOrigin.shared();
    db = origin.createDatabase("region");
    try (Connection c = origin.superConnection(db)) {
      Sql.exec(c, "CREATE TABLE kv (k int PRIMARY KEY, v text)",
          "INSERT INTO kv SELECT g, 'v' || g FROM generate_series(1, 50) g",
          "CREATE TABLE counters (id int PRIMARY KEY, version bigint NOT NULL)",
          "INSERT INTO counters SELECT g, 0 FROM generate_series(1, 8) g",
          "ALTER TABLE kv OWNER TO " + TestOrigin.APP_USER, "ALTER TABLE counters OWNER TO " + TestOrigin.APP_USER,
          "CREATE SEQUENCE region_seq",
          "CREATE FUNCTION region_fn() RETURNS bigint IMMUTABLE LANGUAGE sql AS $$ SELECT 0::bigint $$",
          "ALTER SEQUENCE region_seq OWNER TO " + TestOrigin.APP_USER,
          "ALTER FUNCTION region_fn() OWNER TO " + TestOrigin.APP_USER);
    }
    region = TestRegion.start(origin, db, "eu", 3, BUDGET, TestRegion.policy(MAX_AGE, SWR), null, null,
        b -> b.adminUser(ADMIN).adminPassword(ADMIN_PW));
    stats = new OriginStats(origin, db);
  }

  @AfterAll
  static void stop() {
    region.close();
  }

  /** SHOW CLUSTER through the admin console of {@code n}, as name → value. */
  private static Map<String, String> showCluster(TestNode n) throws Exception {
    Map<String, String> out = new LinkedHashMap<>();
    try (Connection admin = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + n.port() + "/outpost?user="
        + ADMIN + "&password=" + ADMIN_PW + "&preferQueryMode=simple");
        Statement s = admin.createStatement(); ResultSet rs = s.executeQuery("SHOW CLUSTER")) {
      while (rs.next()) {
        out.put(rs.getString("name"), rs.getString("value"));
      }
    }
    return out;
  }

  private static long fillsReceived(TestNode n) {
    return n.node().cluster().snapshot().stats().fillsReceived();
  }

  private static long hits(TestNode n) {
    return n.node().cacheService().cache().stats().count(CacheStatus.HIT);
  }

  @Test
  void missOnNode1_isAHitOnNodes2And3_withoutReachingTheOrigin() throws Exception {
    String read = "SELECT v AS shared_fill FROM kv WHERE k = 5";
    try (Connection c1 = region.get(0).connect(); Connection c2 = region.get(1).connect();
        Connection c3 = region.get(2).connect()) {
      // every node learns the catalog facts of the statement first (they are per node)
      dev.outpost.proxy.catalog.CatalogInspector.Login login =
          new dev.outpost.proxy.catalog.CatalogInspector.Login(TestOrigin.APP_USER, TestOrigin.APP_PASSWORD, db);
      for (TestNode n : region.nodes) {
        var svc = n.node().cacheService();
        for (int i = 0; i < 200 && svc.planRead(login, svc.classify(read), true) == null; i++) {
          Thread.sleep(20);
        }
      }
      // node 1 misses and fills; the fill is replicated to the region
      long received2 = fillsReceived(region.get(1));
      long received3 = fillsReceived(region.get(2));
      long before = hits(region.get(0));
      for (int i = 0; i < 50 && hits(region.get(0)) == before; i++) {
        assertThat(Sql.value(c1, read)).isEqualTo("v5");
      }
      // each node stores the fill when the region's order delivers it to that node: node 1's own hit
      // says nothing about when nodes 2 and 3 have it (CI once read through node 2 a moment before)
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> fillsReceived(region.get(1)) > received2
          && fillsReceived(region.get(2)) > received3);
      stats.reset();
      long h2 = hits(region.get(1));
      long h3 = hits(region.get(2));
      for (int i = 0; i < 5; i++) {
        assertThat(Sql.value(c2, read)).isEqualTo("v5");
        assertThat(Sql.value(c3, read)).isEqualTo("v5");
      }
      assertThat(stats.calls("shared_fill")).isZero();
      assertThat(hits(region.get(1)) - h2).isEqualTo(5);
      assertThat(hits(region.get(2)) - h3).isEqualTo(5);
    }
  }

  /**
   * What a node knows of the catalog (here: that a function is immutable, so its answer may be
   * cached) is forgotten on every node of the region when DDL runs through any one of them.
   */
  @Test
  void ddlThroughNode2_makesNode3ReadTheCatalogAgain() throws Exception {
    String read = "SELECT region_fn() AS ddl_probe";
    try (Connection c2 = region.get(1).connect(); Connection c3 = region.get(2).connect()) {
      long before = hits(region.get(2));
      for (int i = 0; i < 50 && hits(region.get(2)) == before; i++) {
        assertThat(Sql.value(c3, read)).isEqualTo("0");
        Thread.sleep(20);
      }
      assertThat(hits(region.get(2))).as("node 3 caches the immutable function's answer").isGreaterThan(before);

      double heard = region.get(2).schemaChanges();
      Sql.exec(c2, "CREATE OR REPLACE FUNCTION region_fn() RETURNS bigint VOLATILE LANGUAGE sql"
          + " AS $$ SELECT nextval('region_seq') $$");
      String seen = Sql.value(c3, read);
      for (int i = 0; i < 500 && "0".equals(seen); i++) { // until the DDL's invalidation reaches node 3
        Thread.sleep(10);
        seen = Sql.value(c3, read);
      }
      assertThat(seen).isNotEqualTo("0");
      List<String> next = new java.util.ArrayList<>();
      for (int i = 0; i < 3; i++) {
        next.add(Sql.value(c3, read));
      }
      assertThat(next).as("node 3 knows the function is volatile now: never cached").doesNotHaveDuplicates()
          .doesNotContain(seen);
      assertThat(region.get(2).schemaChanges()).as("outpost_catalog_schema_changes_total on node 3")
          .isGreaterThan(heard);
    }
  }

  @Test
  void showCluster_onEachNode_namesTheRegionAndMembers_andAtRestNothingWaits() throws Exception {
    try (Connection c2 = region.get(1).connect()) {
      Sql.exec(c2, "UPDATE kv SET v = 'v10' WHERE k = 10"); // an invalidation through the region's order
    }
    List<String> names = List.of("eu-1", "eu-2", "eu-3");
    for (int i = 0; i < 3; i++) {
      TestNode n = region.get(i);
      Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        Map<String, String> rows = showCluster(n);
        assertThat(rows.get("region")).isEqualTo("eu");
        assertThat(rows.get("members").split(",")).containsExactlyInAnyOrderElementsOf(names);
        assertThat(rows).containsEntry("pending_invalidations", "0").containsEntry("held_events", "0")
            .containsEntry("awaited_invalidations", "0");
        assertThat(Long.parseLong(rows.get("invalidationsReceived")) + Long.parseLong(rows.get("invalidationsSent")))
            .as("the write's invalidation reached every node").isPositive();
      });
    }
    assertThat(showCluster(region.get(0)).get("coordinator")).endsWith("(this node)");
  }

  @Test
  void updateThroughNode3_isSeenOnNodes1And2_andByTheWriterAtOnce() throws Exception {
    String read = "SELECT v AS cross_node FROM kv WHERE k = 9";
    try (Connection c1 = region.get(0).connect(); Connection c2 = region.get(1).connect();
        Connection c3 = region.get(2).connect()) {
      for (int i = 0; i < 30; i++) {
        Sql.value(c1, read);
        Sql.value(c2, read);
        Sql.value(c3, read);
        Thread.sleep(10);
      }
      Sql.exec(c3, "UPDATE kv SET v = 'written on 3' WHERE k = 9");
      assertThat(Sql.value(c3, read)).isEqualTo("written on 3");
      long start = System.nanoTime();
      for (Connection c : List.of(c1, c2)) {
        String seen = Sql.value(c, read);
        for (int i = 0; i < 500 && !"written on 3".equals(seen); i++) {
          Thread.sleep(10);
          seen = Sql.value(c, read);
        }
        assertThat(seen).isEqualTo("written on 3");
      }
      log.info("invalidation seen on nodes 1 and 2 after {} ms", (System.nanoTime() - start) / 1_000_000);
    }
  }

  @Test
  void race_readersOnNodes1And2_writersOnNode3_noViolation() throws Exception {
    RaceWorkload race = new RaceWorkload(8, Duration.ofSeconds(20));
    ExecutorService pool = Executors.newFixedThreadPool(12);
    List<Future<Integer>> work = new ArrayList<>();
    for (int w = 0; w < 4; w++) {
      work.add(pool.submit(race.writer(() -> region.get(2).connect(), w)));
    }
    for (int r = 0; r < 8; r++) {
      TestNode node = region.get(r % 2);
      work.add(pool.submit(race.reader(node::connect, 100 + r)));
    }
    for (Future<Integer> f : work) {
      f.get(2, TimeUnit.MINUTES);
    }
    pool.shutdownNow();
    int stale = race.check(MAX_AGE.plus(SWR));
    long regionHits = hits(region.get(0)) + hits(region.get(1));
    log.info("region race: {} reads, {} writes, {} reads behind an acknowledged commit by less than the bound"
        + " (invalidation still travelling), {} hits on the reader nodes", race.readsRecorded(),
        race.writesAcknowledged(), stale, regionHits);
    assertThat(race.violations()).isEmpty();
    assertThat(regionHits).isPositive();
  }

  @Test
  void budget_threeNodesUnderLoad_neverMoreThan12OriginConnections() throws Exception {
    AtomicInteger maxSeen = new AtomicInteger();
    // Everyone logs in first: 30 SCRAM logins in a cold JVM (the client's PBKDF2 runs interpreted
    // at first) can take longer than the whole load window on a 2-core machine.
    CountDownLatch connected = new CountDownLatch(30);
    CountDownLatch go = new CountDownLatch(1);
    AtomicLong endNanos = new AtomicLong(Long.MIN_VALUE);
    ExecutorService pool = Executors.newFixedThreadPool(30);
    List<Future<?>> work = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      TestNode node = region.get(i % 3);
      work.add(pool.submit(() -> {
        try (Connection c = node.connect()) {
          c.setAutoCommit(false);
          connected.countDown();
          assertThat(go.await(2, TimeUnit.MINUTES)).isTrue();
          long end = endNanos.get();
          while (System.nanoTime() < end) {
            Sql.value(c, "SELECT pg_sleep(0.01), 'budget'"); // volatile: always goes to the origin
            c.commit();
          }
        }
        return null;
      }));
    }
    boolean allIn = false;
    try {
      allIn = connected.await(2, TimeUnit.MINUTES);
      if (allIn) {
        endNanos.set(System.nanoTime() + TimeUnit.SECONDS.toNanos(6));
      }
    } finally {
      go.countDown(); // without an end set, the workers leave at once
    }
    assertThat(allIn).as("30 clients logged in").isTrue();
    long end = endNanos.get();
    String overBudget = null;
    try (Connection watcher = origin.superConnection()) {
      while (System.nanoTime() < end) {
        int now = pooledConnections(watcher);
        maxSeen.accumulateAndGet(now, Math::max);
        if (now > BUDGET && overBudget == null) {
          overBudget = Sql.rows(watcher, "SELECT pid, application_name, state, backend_start, left(query, 40)"
              + " FROM pg_stat_activity WHERE datname = '" + db + "' AND usename = '" + TestOrigin.APP_USER
              + "' ORDER BY backend_start") + " pools: " + region.nodes.stream()
              .map(n -> n.node().pools().stream().map(p -> p.stats().toString()).toList().toString()).toList();
        }
        Thread.sleep(25);
      }
    }
    if (overBudget != null) {
      log.warn("over the budget: {}", overBudget);
    }
    for (Future<?> f : work) {
      f.get(1, TimeUnit.MINUTES);
    }
    pool.shutdownNow();
    log.info("budget {}: at most {} pooled origin connections seen under load", BUDGET, maxSeen.get());
    assertThat(maxSeen.get()).isGreaterThan(3).isLessThanOrEqualTo(BUDGET);
    for (TestNode n : region.nodes) {
      assertThat(n.node().pools()).allSatisfy(p -> assertThat(p.stats().maxSize()).isEqualTo(BUDGET / 3));
    }
  }

  /** Connections of the app role to the test database, except the catalog's control-plane ones. */
  static int pooledConnections(Connection superuser) throws SQLException {
    return (int) Sql.longValue(superuser, "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + db
        + "' AND usename = '" + TestOrigin.APP_USER + "' AND application_name <> 'outpost-catalog'");
  }
}
