package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outpost.cache.CacheStatus;
import dev.outpost.changefeed.ChangeFeed;
import dev.outpost.proxy.config.ChangeFeedSettings;
import dev.outpost.proxy.config.HostPort;
import dev.outpost.proxy.config.OriginUrl;
import dev.outpost.proxy.config.ProxyConfig;
import dev.outpost.proxy.feed.NodeChangeFeed;
import dev.outpost.proxy.server.OutpostNode;
import dev.outpost.testkit.TestOrigin;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The change feed (DESIGN §8): writes made on the origin directly — around Outpost — invalidate the
 * cached reads of every node of two regions; a trigger's second table and TRUNCATE too; when the
 * consuming coordinator dies, another node takes the slot over and catches up on what was written
 * meanwhile.
 */
class ChangeFeedIT {
  private static final Logger log = LoggerFactory.getLogger(ChangeFeedIT.class);
  private static TestOrigin origin;
  private static String db;
  private static TestRegion a;
  private static TestRegion b;

  @BeforeAll
  static void start() throws Exception {
    origin = TestOrigin.shared();
    db = origin.createDatabase("feed");
    try (Connection c = origin.superConnection(db)) {
      Sql.exec(c, "CREATE TABLE kv (k int PRIMARY KEY, v text)",
          "INSERT INTO kv SELECT g, 'v' || g FROM generate_series(1, 20) g",
          "CREATE TABLE orders (id int PRIMARY KEY, amount int)",
          "CREATE TABLE order_totals (id int PRIMARY KEY, total bigint)", "INSERT INTO order_totals VALUES (1, 0)",
          "CREATE FUNCTION add_total() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
              + " UPDATE order_totals SET total = total + NEW.amount WHERE id = 1; RETURN NEW; END $$",
          "CREATE TRIGGER orders_total AFTER INSERT ON orders FOR EACH ROW EXECUTE FUNCTION add_total()",
          "CREATE TABLE scratch (id int PRIMARY KEY)", "INSERT INTO scratch VALUES (1), (2), (3)",
          "CREATE SEQUENCE probe_seq",
          "CREATE FUNCTION probe_fn() RETURNS bigint IMMUTABLE LANGUAGE sql AS $$ SELECT 1::bigint $$",
          "GRANT ALL ON ALL TABLES IN SCHEMA public TO " + TestOrigin.APP_USER,
          "GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO " + TestOrigin.APP_USER,
          "CREATE PUBLICATION outpost FOR ALL TABLES");
    }
    List<HostPort> relay = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      relay.add(new HostPort("127.0.0.1", NodeProcess.freePort()));
    }
    a = TestRegion.start(origin, db, "fa", 2, 8, null, relay.subList(0, 2), relay,
        x -> x.changeFeedEnabled(true).changeFeedSlot("outpost_fa"));
    b = TestRegion.start(origin, db, "fb", 2, 8, null, relay.subList(2, 4), relay,
        x -> x.changeFeedEnabled(true).changeFeedSlot("outpost_fb"));
  }

  @AfterAll
  static void stop() {
    a.close();
    b.close();
    dev.outpost.changefeed.ConnectionInfo info = NodeChangeFeed.connectionInfo(
        OriginUrl.parse(origin.originUrl(db)));
    // the regions' feeds have stopped; their walsenders may take a moment to let go of the slots
    ChangeFeed.dropSlot(info, "outpost_fa", Duration.ofSeconds(15));
    ChangeFeed.dropSlot(info, "outpost_fb", Duration.ofSeconds(15));
  }

  private static List<TestNode> all() {
    List<TestNode> nodes = new ArrayList<>(a.nodes);
    nodes.addAll(b.nodes);
    nodes.removeIf(n -> n.node().shuttingDown());
    return nodes;
  }

  /** Reads on every node until each has served it from its cache. */
  private static void cachedEverywhere(String read) throws Exception {
    for (TestNode n : all()) {
      try (Connection c = n.connect()) {
        for (int i = 0; i < 100; i++) {
          long hits = n.node().cacheService().cache().stats().count(CacheStatus.HIT);
          Sql.value(c, read);
          if (n.node().cacheService().cache().stats().count(CacheStatus.HIT) > hits) {
            break;
          }
          Thread.sleep(20);
        }
      }
    }
  }

  /** Polls every node until {@code read} returns {@code expected}; returns the milliseconds it took. */
  private static long seenEverywhere(String read, String expected, long since) throws Exception {
    for (TestNode n : all()) {
      try (Connection c = n.connect()) {
        String seen = Sql.value(c, read);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!expected.equals(seen) && System.nanoTime() < deadline) {
          Thread.sleep(20);
          seen = Sql.value(c, read);
        }
        assertThat(seen).as("on %s", n.node().cluster().nodeName()).isEqualTo(expected);
      }
    }
    return (System.nanoTime() - since) / 1_000_000;
  }

  @Test
  void updateDirectlyOnTheOrigin_invalidatesEveryNodeOfBothRegions() throws Exception {
    String read = "SELECT v FROM kv WHERE k = 4";
    cachedEverywhere(read);
    long start = System.nanoTime();
    try (Connection direct = origin.superConnection(db)) {
      Sql.exec(direct, "UPDATE kv SET v = 'written around outpost' WHERE k = 4");
    }
    log.info("a direct UPDATE was seen on all four nodes after {} ms",
        seenEverywhere(read, "written around outpost", start));
  }

  @Test
  void triggerWritingASecondTable_invalidatesReadsOfThatTable() throws Exception {
    String read = "SELECT total FROM order_totals WHERE id = 1";
    cachedEverywhere(read);
    String before;
    try (Connection c = all().get(0).connect()) { // a live node: the takeover test may have closed one
      before = Sql.value(c, read);
    }
    long start = System.nanoTime();
    try (Connection direct = origin.superConnection(db)) {
      Sql.exec(direct, "INSERT INTO orders VALUES ((SELECT coalesce(max(id), 0) + 1 FROM orders), 25)");
    }
    log.info("a trigger's write was seen everywhere after {} ms",
        seenEverywhere(read, Long.toString(Long.parseLong(before) + 25), start));
  }

  /**
   * DDL straight on the origin (a migration) is not in the replication stream; with the event
   * trigger installed it is recorded in a table the feed reads: every node of both regions drops
   * its cached results and reads the catalog again (here: a function that became volatile is never
   * cached after that). DDL on temporary objects only is not recorded.
   */
  @Test
  void ddlOnTheOrigin_withTheInstalledTrigger_flushesAndRefreshesCatalogFactsEverywhere() throws Exception {
    java.io.StringWriter out = new java.io.StringWriter();
    java.io.StringWriter err = new java.io.StringWriter();
    picocli.CommandLine cl = dev.outpost.proxy.cli.OutpostMain.commandLine();
    cl.setOut(new java.io.PrintWriter(out));
    cl.setErr(new java.io.PrintWriter(err));
    assertThat(cl.execute("change-feed", "install-ddl-trigger", "--origin", origin.originUrl(db))).as(
        "the application's role may not create event triggers").isEqualTo(1);
    assertThat(err.toString()).contains("requires a superuser");
    assertThat(cl.execute("change-feed", "install-ddl-trigger", "--origin", origin.superOriginUrl(db))).isZero();
    assertThat(out.toString()).contains("installed event trigger outpost_ddl");

    String read = "SELECT probe_fn() AS ddl_probe";
    java.util.Map<TestNode, Double> heardBefore = new java.util.HashMap<>();
    try (Connection direct = origin.superConnection(db)) {
      String recorded = "SELECT count(*) FROM outpost.ddl_events";
      String before = Sql.value(direct, recorded);
      Sql.exec(direct, "CREATE TEMP TABLE scratch_temp (x int)");
      assertThat(Sql.value(direct, recorded)).as("CREATE TEMP TABLE is not recorded").isEqualTo(before);

      cachedEverywhere(read);
      for (TestNode n : all()) {
        heardBefore.put(n, n.schemaChanges());
      }
      Sql.exec(direct, "CREATE OR REPLACE FUNCTION probe_fn() RETURNS bigint VOLATILE LANGUAGE sql"
          + " AS $$ SELECT nextval('probe_seq') + 100 $$");
    }
    for (TestNode n : all()) {
      String name = n.node().cluster().nodeName();
      try (Connection c = n.connect()) {
        // heard of the DDL (outpost_catalog_schema_changes_total), and its invalidation took effect
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).alias(name + " hears of the DDL")
            .until(() -> n.schemaChanges() > heardBefore.get(n) && !"1".equals(Sql.value(c, read)));
        List<String> next = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          next.add(Sql.value(c, read));
        }
        assertThat(next).as("on %s: the function is volatile now, never cached", name)
            .doesNotHaveDuplicates().doesNotContain("1");
      }
    }
    TestNode consumer = all().stream().filter(n -> n.node().changeFeed().consumingHere()).findFirst().orElseThrow();
    assertThat(consumer.node().changeFeedView().rows().rows()).anySatisfy(r -> {
      assertThat(r.get(0)).isEqualTo("schema_changes");
      assertThat(Long.parseLong(String.valueOf(r.get(1)))).isPositive();
    });
  }

  @Test
  void truncateOnTheOrigin_invalidates() throws Exception {
    String read = "SELECT count(*) FROM scratch";
    cachedEverywhere(read);
    try (Connection direct = origin.superConnection(db)) {
      Sql.exec(direct, "TRUNCATE scratch");
    }
    seenEverywhere(read, "0", System.nanoTime());
  }

  @Test
  void consumerKilled_anotherNodeTakesTheSlotOver_andCatchesUpOnWritesMadeMeanwhile() throws Exception {
    String read = "SELECT v FROM kv WHERE k = 11";
    cachedEverywhere(read);
    TestNode consumer = a.nodes.stream().filter(n -> !n.node().shuttingDown()
        && n.node().changeFeed().consumingHere()).findFirst().orElseThrow();
    TestNode survivor = a.nodes.stream().filter(n -> n != consumer && !n.node().shuttingDown()).findFirst()
        .orElseThrow();
    java.util.concurrent.atomic.AtomicInteger mostConsumers = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicBoolean watching = new java.util.concurrent.atomic.AtomicBoolean(true);
    Thread watcher = new Thread(() -> {
      while (watching.get()) {
        int n = 0;
        for (TestNode x : a.nodes) {
          if (!x.node().shuttingDown() && x.node().changeFeed().consumingHere()) {
            n++;
          }
        }
        mostConsumers.accumulateAndGet(n, Math::max);
        try {
          Thread.sleep(5);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    watcher.start();
    try {
      consumer.close(); // the coordinator and consumer of region fa goes away
      long start = System.nanoTime();
      try (Connection direct = origin.superConnection(db)) {
        Sql.exec(direct, "UPDATE kv SET v = 'while nobody consumed' WHERE k = 11");
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!survivor.node().changeFeed().consumingHere() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(survivor.node().changeFeed().consumingHere()).as("the survivor took the slot over").isTrue();
      log.info("the new consumer invalidated the write made meanwhile after {} ms",
          seenEverywhere(read, "while nobody consumed", start));
    } finally {
      watching.set(false);
      watcher.join();
    }
    assertThat(mostConsumers.get()).as("consumers of the slot at once").isLessThanOrEqualTo(1);
    try (Connection s = origin.superConnection(db)) {
      assertThat(Sql.value(s, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'outpost_fa' AND active"))
          .isEqualTo("1");
    }
  }

  @Test
  void dropSlotCommand_removesTheSlot_andShowChangeFeedNamesTheConsumer() throws Exception {
    try (Connection s = origin.superConnection(db)) {
      Sql.exec(s, "SELECT pg_create_logical_replication_slot('outpost_cli_test', 'pgoutput')");
    }
    java.io.StringWriter out = new java.io.StringWriter();
    picocli.CommandLine cl = dev.outpost.proxy.cli.OutpostMain.commandLine();
    cl.setOut(new java.io.PrintWriter(out));
    int exit = cl.execute("change-feed", "drop-slot", "--origin", origin.originUrl(db), "--change-feed-slot",
        "outpost_cli_test");
    assertThat(exit).isZero();
    assertThat(out.toString()).contains("dropped replication slot outpost_cli_test");
    try (Connection s = origin.superConnection(db)) {
      assertThat(Sql.value(s, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'outpost_cli_test'"))
          .isEqualTo("0");
    }
    TestNode consumer = b.nodes.stream().filter(n -> n.node().changeFeed().consumingHere()).findFirst().orElseThrow();
    var rows = consumer.node().changeFeedView().rows().rows();
    assertThat(rows).anySatisfy(r -> assertThat(r).containsExactly("consumer",
        consumer.node().cluster().nodeName() + " (this node)"));
    assertThat(rows).anySatisfy(r -> assertThat(r.get(0)).isEqualTo("lag_bytes"));
  }

  /**
   * A node with the feed on must come up while its origin is down (a rolling restart during an
   * origin outage: the soak's node died here with "change-feed is on but the origin cannot provide
   * it: cannot connect"), with the feed retrying, and not refuse to start as for an origin that
   * lacks logical replication.
   */
  @Test
  void anOriginDownAtStart_doesNotStopTheNode_theFeedRetries() throws Exception {
    int closed;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    ProxyConfig config = ProxyConfig.builder(OriginUrl.parse("postgresql://" + TestOrigin.APP_USER + ":"
            + TestOrigin.APP_PASSWORD + "@127.0.0.1:" + closed + "/" + db + "?sslmode=disable"))
        .listen("127.0.0.1", 0).minIdle(0).changeFeedEnabled(true).build();
    try (OutpostNode node = new OutpostNode(config).start()) {
      assertThat(node.changeFeed()).as("started with the feed").isNotNull();
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).untilAsserted(() ->
          assertThat(node.changeFeed().status().state()).isEqualTo(dev.outpost.changefeed.ChangeFeedStatus.State.RECONNECTING));
      assertThat(node.changeFeedView().rows().rows()).as("SHOW CHANGE FEED").anySatisfy(r -> {
        assertThat(r.get(0)).isEqualTo("state");
        assertThat(String.valueOf(r.get(1))).startsWith("reconnecting");
      });
    }
  }

  /**
   * An origin URL that lists several hosts, the first of them down, with target_session_attrs: the
   * feed's connections (pgjdbc's multi-host URL, asking for the primary, on a replication
   * connection too) reach the live host, and a write around Outpost invalidates.
   */
  @Test
  void severalOriginHosts_theFeedReachesThePrimaryThroughTheList() throws Exception {
    int closed = NodeProcess.freePort(); // nothing listens there
    ProxyConfig config = ProxyConfig.builder(OriginUrl.parse("postgresql://" + TestOrigin.APP_USER + ":"
            + TestOrigin.APP_PASSWORD + "@127.0.0.1:" + closed + ",127.0.0.1:" + origin.port() + "/" + db
            + "?sslmode=disable&target_session_attrs=read-write"))
        .listen("127.0.0.1", 0).minIdle(0).changeFeedEnabled(true).changeFeedSlot("outpost_multi").build();
    String read = "SELECT v FROM kv WHERE k = 9";
    try (OutpostNode node = new OutpostNode(config).start()) {
      NodeChangeFeed feed = node.changeFeed();
      await().atMost(30, TimeUnit.SECONDS).until(() -> feed.status() != null
          && feed.status().state() == dev.outpost.changefeed.ChangeFeedStatus.State.STREAMING);
      try (Connection c = java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + node.port() + "/" + db
          + "?user=" + TestOrigin.APP_USER + "&password=" + TestOrigin.APP_PASSWORD)) {
        long hits = node.cacheService().cache().stats().count(CacheStatus.HIT);
        String before = Sql.value(c, read);
        await().atMost(20, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(20)).until(() ->
            before.equals(Sql.value(c, read)) && node.cacheService().cache().stats().count(CacheStatus.HIT) > hits);
        try (Connection direct = origin.superConnection(db)) {
          Sql.exec(direct, "UPDATE kv SET v = 'around a multi-host node' WHERE k = 9");
        }
        await().atMost(20, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(20)).until(() ->
            "around a multi-host node".equals(Sql.value(c, read)));
      }
    } finally {
      ChangeFeed.dropSlot(NodeChangeFeed.connectionInfo(OriginUrl.parse(origin.superOriginUrl(db))),
          "outpost_multi", Duration.ofSeconds(15));
    }
  }

  /**
   * The origin role's password is rotated while the feed streams: once its connection is lost, the
   * feed's new login is refused and the feed fails (an operator must act). The RELOAD that gives
   * the node the new password starts it again, and writes around Outpost invalidate once more.
   */
  @Test
  void aRotatedPassword_failsTheFeedsNextLogin_andTheReloadWithTheNewOneStartsItAgain() throws Exception {
    String role = "feed_rotating";
    try (Connection s = origin.superConnection(db)) {
      Sql.exec(s, "DROP ROLE IF EXISTS " + role, "CREATE ROLE " + role + " LOGIN REPLICATION PASSWORD 'old-pw'",
          "CREATE TABLE rotation (k int PRIMARY KEY, v text)", "INSERT INTO rotation VALUES (1, 'before')",
          "GRANT SELECT ON rotation TO " + role);
    }
    ProxyConfig config = ProxyConfig.builder(OriginUrl.parse(origin.originUrl(role, "old-pw", db)))
        .listen("127.0.0.1", 0).minIdle(0).changeFeedEnabled(true).changeFeedSlot("outpost_rotation").build();
    String read = "SELECT v FROM rotation WHERE k = 1";
    try (OutpostNode node = new OutpostNode(config).start()) {
      NodeChangeFeed feed = node.changeFeed();
      await().atMost(30, TimeUnit.SECONDS).until(() -> feed.status() != null
          && feed.status().state() == dev.outpost.changefeed.ChangeFeedStatus.State.STREAMING);
      try (Connection s = origin.superConnection(db)) {
        Sql.exec(s, "ALTER ROLE " + role + " PASSWORD 'new-pw'",
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '" + role + "'");
      }
      await().atMost(30, TimeUnit.SECONDS).untilAsserted(() -> {
        assertThat(feed.status().state()).isEqualTo(dev.outpost.changefeed.ChangeFeedStatus.State.FAILED);
        assertThat(feed.status().reason()).contains("password authentication failed");
      });

      node.reload(config.toBuilder().origin(OriginUrl.parse(origin.originUrl(role, "new-pw", db))).build());

      await().atMost(30, TimeUnit.SECONDS).until(() ->
          feed.status().state() == dev.outpost.changefeed.ChangeFeedStatus.State.STREAMING);
      try (Connection c = java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + node.port() + "/" + db
          + "?user=" + role + "&password=new-pw")) {
        long hits = node.cacheService().cache().stats().count(CacheStatus.HIT);
        await().atMost(20, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(20)).until(() ->
            "before".equals(Sql.value(c, read)) && node.cacheService().cache().stats().count(CacheStatus.HIT) > hits);
        try (Connection s = origin.superConnection(db)) {
          Sql.exec(s, "UPDATE rotation SET v = 'after' WHERE k = 1");
        }
        await().atMost(20, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(20)).until(() ->
            "after".equals(Sql.value(c, read)));
      }
    } finally {
      ChangeFeed.dropSlot(NodeChangeFeed.connectionInfo(OriginUrl.parse(origin.superOriginUrl(db))),
          "outpost_rotation", Duration.ofSeconds(15));
    }
  }

  @Test
  void wal_levelReplica_isAClearStartupError_orAWarningAndNoFeed() throws Exception {
    try (TestOrigin replica = TestOrigin.dedicated(Map.of("wal_level", "replica"))) {
      String rdb = replica.createDatabase("nofeed");
      ProxyConfig.Builder base = ProxyConfig.builder(OriginUrl.parse(replica.originUrl(rdb))).listen("127.0.0.1", 0)
          .minIdle(0).changeFeedEnabled(true);
      assertThatThrownBy(() -> new OutpostNode(base.build()))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("wal_level = logical");
      try (OutpostNode warned = new OutpostNode(base.changeFeedWhenUnsupported(ChangeFeedSettings.WhenUnsupported.WARN)
          .build()).start()) {
        assertThat(warned.changeFeed()).isNull();
      }
    }
  }
}
