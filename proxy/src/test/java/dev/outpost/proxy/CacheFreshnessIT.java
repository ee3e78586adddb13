package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.cache.CacheStats;
import dev.outpost.cache.CacheStatus;
import dev.outpost.proxy.cache.CachePolicy;
import dev.outpost.proxy.server.OutpostNode;
import dev.outpost.testkit.TestOrigin;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Freshness with an injected clock (stale-while-revalidate: served stale, refreshed exactly once)
 * and the byte bound of the cache under twice its size of results.
 */
class CacheFreshnessIT {
  @Test
  void staleEntry_servedStale_andRefreshedExactlyOnce() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("swr");
    try (Connection c = origin.superConnection(db)) {
      Sql.exec(c, "CREATE TABLE price (id int PRIMARY KEY, amount int)", "INSERT INTO price VALUES (1, 100)",
          "ALTER TABLE price OWNER TO " + TestOrigin.APP_USER);
    }
    AtomicLong now = new AtomicLong(1_000_000_000L);
    CachePolicy policy = new CachePolicy(true, Duration.ofSeconds(10), Duration.ofSeconds(10), 64L << 20, 1L << 20,
        List.of());
    OriginStats stats = new OriginStats(origin, db);
    try (TestNode node = TestNode.start(origin, db, b -> b.poolSize(2),
        OutpostNode.Options.defaults().withCachePolicy(policy).withTicker(now::get));
        Connection client = node.connect()) {
      String read = "SELECT amount AS swr_amount FROM price WHERE id = 1";
      for (int i = 0; i < 50 && count(node, CacheStatus.HIT) == 0; i++) {
        assertThat(Sql.value(client, read)).isEqualTo("100");
        Thread.sleep(20);
      }
      assertThat(count(node, CacheStatus.HIT)).isPositive();
      // a change behind Outpost's back: only expiry (or the change feed) can reveal it
      try (Connection direct = origin.superConnection(db)) {
        Sql.exec(direct, "UPDATE price SET amount = 200 WHERE id = 1");
      }
      stats.reset();
      now.addAndGet(TimeUnit.SECONDS.toNanos(15)); // past max-age, inside the stale window
      long stale = count(node, CacheStatus.STALE);
      assertThat(Sql.value(client, read)).as("served stale, at once").isEqualTo("100");
      assertThat(count(node, CacheStatus.STALE) - stale).isEqualTo(1);
      // more readers at the same moment: each is served (stale, or the refreshed value), none refreshes again
      List<Connection> others = new java.util.ArrayList<>();
      for (int i = 0; i < 5; i++) {
        others.add(node.connect());
      }
      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(5);
      try {
        List<java.util.concurrent.Future<String>> answers = new java.util.ArrayList<>();
        for (Connection o : others) {
          answers.add(pool.submit(() -> Sql.value(o, read)));
        }
        for (java.util.concurrent.Future<String> a : answers) {
          assertThat(a.get(30, TimeUnit.SECONDS)).isIn("100", "200");
        }
      } finally {
        pool.shutdownNow();
        for (Connection o : others) {
          o.close();
        }
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (!"200".equals(Sql.value(client, read)) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(Sql.value(client, read)).as("the refreshed entry").isEqualTo("200");
      assertThat(stats.calls("swr_amount")).as("exactly one refresh reached the origin").isEqualTo(1);
      now.addAndGet(TimeUnit.SECONDS.toNanos(30)); // past max-age and the window: a plain miss
      assertThat(Sql.value(client, read)).isEqualTo("200");
      assertThat(stats.calls("swr_amount")).isEqualTo(2);
    }
  }

  /**
   * A stale answer to an Execute with a row limit (asyncpg's fetchrow()) is refreshed with the same
   * limit: the refresh ends with PortalSuspended, which it must take as the end of the answer.
   */
  @Test
  void staleRowLimitedRead_isRefreshedWithItsLimit() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("swrlimit");
    try (Connection c = origin.superConnection(db)) {
      Sql.exec(c, "CREATE TABLE price (id int PRIMARY KEY, amount int)",
          "INSERT INTO price VALUES (1, 100), (2, 110), (3, 120)", "ALTER TABLE price OWNER TO " + TestOrigin.APP_USER);
    }
    AtomicLong now = new AtomicLong(1_000_000_000L);
    CachePolicy policy = new CachePolicy(true, Duration.ofSeconds(10), Duration.ofSeconds(10), 64L << 20, 1L << 20,
        List.of());
    OriginStats stats = new OriginStats(origin, db);
    byte[] firstRow = Wire.extended("SELECT amount AS swr_limited FROM price ORDER BY id", false, new byte[0][],
        (short) 0, (short) 0, 1);
    try (TestNode node = TestNode.start(origin, db, b -> b.poolSize(2),
        OutpostNode.Options.defaults().withCachePolicy(policy).withTicker(now::get));
        RawClient client = new RawClient(node.port())) {
      client.login(TestOrigin.APP_USER, TestOrigin.APP_PASSWORD, db);
      // the client learns the statement's columns once; its Describe-less reads may then be replayed
      client.send(Wire.extended("SELECT amount AS swr_limited FROM price ORDER BY id", true, new byte[0][],
          (short) 0, (short) 0, 1));
      assertThat(client.readUntilReady()).extracting(RawClient.Message::type).containsExactly('1', '2', 'T', 'D', 's',
          'Z');
      for (int i = 0; i < 50 && count(node, CacheStatus.HIT) == 0; i++) {
        assertThat(firstAmount(client, firstRow)).isEqualTo("100");
        Thread.sleep(20);
      }
      assertThat(count(node, CacheStatus.HIT)).isPositive();
      try (Connection direct = origin.superConnection(db)) {
        Sql.exec(direct, "UPDATE price SET amount = 200 WHERE id = 1"); // behind Outpost's back
      }
      stats.reset();
      now.addAndGet(TimeUnit.SECONDS.toNanos(15)); // past max-age, inside the stale window
      long stale = count(node, CacheStatus.STALE);
      assertThat(firstAmount(client, firstRow)).as("served stale").isEqualTo("100");
      assertThat(count(node, CacheStatus.STALE) - stale).isEqualTo(1);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      String amount = "100";
      while (!amount.equals("200") && System.nanoTime() < deadline) {
        Thread.sleep(20);
        amount = firstAmount(client, firstRow);
      }
      assertThat(amount).as("the refreshed entry (a refresh that failed left the stale one)").isEqualTo("200");
      long hits = count(node, CacheStatus.HIT);
      assertThat(firstAmount(client, firstRow)).isEqualTo("200");
      assertThat(count(node, CacheStatus.HIT) - hits).as("served by the refreshed entry").isEqualTo(1);
      assertThat(stats.calls("swr_limited")).as("exactly one refresh reached the origin").isEqualTo(1);
    }
  }

  /** The value of the only row an Execute with a limit of 1 returns, checking the answer's shape. */
  private static String firstAmount(RawClient c, byte[] request) throws Exception {
    c.send(request);
    List<String> answer = c.readUntilReady().stream().map(RawClient.Message::summary).toList();
    assertThat(answer).hasSize(5).startsWith("1", "2").endsWith("s", "Z");
    assertThat(answer.get(2)).startsWith("D:");
    return answer.get(2).substring("D:".length());
  }

  private static long count(TestNode node, CacheStatus s) {
    return node.node().cacheService().cache().stats().count(s);
  }

  @Test
  void filling_twiceTheMaximum_keepsTheWeighedSizeWithinTheBound() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("membound");
    long max = 1L << 20;
    CachePolicy policy = new CachePolicy(true, Duration.ofSeconds(60), Duration.ofSeconds(15), max, 256L << 10,
        List.of());
    try (Connection c = origin.superConnection(db)) {
      Sql.exec(c, "CREATE TABLE blob (id int PRIMARY KEY, payload text)",
          "INSERT INTO blob SELECT g, repeat('x', 1000) FROM generate_series(1, 50) g",
          "ALTER TABLE blob OWNER TO " + TestOrigin.APP_USER);
    }
    try (TestNode node = TestNode.start(origin, db, b -> b.poolSize(2),
        OutpostNode.Options.defaults().withCachePolicy(policy));
        Connection client = node.connect()) {
      // warm the catalog facts for the table
      Sql.value(client, "SELECT payload FROM blob WHERE id = 1");
      Thread.sleep(300);
      long stored = 0;
      for (int i = 0; i < 2000 && stored < 2 * max; i++) {
        String sql = "SELECT payload || " + i + " FROM blob WHERE id <= 50";
        Sql.value(client, sql);
        Sql.value(client, sql);
        stored = node.node().cacheService().cache().stats().fillsStored() * 50_000L;
      }
      assertThat(stored).as("results stored").isGreaterThanOrEqualTo(2 * max);
      CacheStats s = waitForBound(node, max);
      assertThat(s.bytes()).isLessThanOrEqualTo(max);
      assertThat(s.evictions()).isPositive();
    }
  }

  private static CacheStats waitForBound(TestNode node, long max) throws InterruptedException, SQLException {
    CacheStats s = node.node().cacheService().cache().stats();
    for (int i = 0; i < 100 && s.bytes() > max; i++) {
      Thread.sleep(20); // Caffeine evicts on its maintenance thread
      s = node.node().cacheService().cache().stats();
    }
    return s;
  }
}
