package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.cache.CacheStatus;
import dev.outpost.proxy.cache.ReadPlan;
import dev.outpost.proxy.catalog.CatalogInspector;
import dev.outpost.testkit.TestOrigin;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * User code a statement runs without naming it — the function of a user-defined cast, the CHECK
 * of a user-defined domain — is as much a function call as one in the text: a read that may run a
 * volatile one is never cached, and a statement that may run it invalidates like one that calls it.
 * One database with named conversions (explicit cast, domains), one with an implicit cast.
 */
class ImplicitCodeIT {
  private static final String CACHEABLE = "CACHEABLE";
  private static TestOrigin origin;
  private static String db;
  private static TestNode node;
  private static CatalogInspector.Login named;
  private static CatalogInspector.Login implicit;

  @BeforeAll
  static void schema() throws Exception {
    origin = TestOrigin.shared();
    db = origin.createDatabase("implicitcode");
    try (Connection c = origin.superConnection(db)) {
      Sql.exec(c, "CREATE TABLE kv (k int PRIMARY KEY, n int)",
          "INSERT INTO kv SELECT g, g FROM generate_series(1, 10) g",
          // a domain whose check writes: every conversion to it adds 1 to k = 1
          "CREATE FUNCTION bump_check(int) RETURNS boolean VOLATILE LANGUAGE sql"
              + " AS $$ UPDATE kv SET n = n + 1 WHERE k = 1 RETURNING $1 IS NOT NULL $$",
          "CREATE DOMAIN counted AS int CHECK (bump_check(VALUE))",
          "CREATE TABLE counted_rows (c counted)",
          "CREATE DOMAIN recent_date AS date CHECK (VALUE > CURRENT_DATE - 36500)",
          "CREATE DOMAIN positive AS int CHECK (VALUE > 0)",
          // an explicit cast whose function draws from a sequence
          "CREATE SEQUENCE pair_seq",
          "CREATE TYPE pair AS (a int, b bigint)",
          "CREATE FUNCTION pair_of(int) RETURNS pair VOLATILE LANGUAGE sql"
              + " AS $$ SELECT ROW($1, nextval('pair_seq'))::pair $$",
          "CREATE CAST (int AS pair) WITH FUNCTION pair_of(int)",
          "ALTER TABLE kv OWNER TO " + TestOrigin.APP_USER,
          "ALTER TABLE counted_rows OWNER TO " + TestOrigin.APP_USER,
          "GRANT ALL ON SEQUENCE pair_seq TO " + TestOrigin.APP_USER);
    }
    String other = origin.createDatabase("implicitcast");
    try (Connection c = origin.superConnection(other)) {
      Sql.exec(c, "CREATE TABLE kv (k int PRIMARY KEY, n int)",
          "CREATE TYPE amount AS (v numeric)",
          "CREATE FUNCTION amount_of(int) RETURNS amount STABLE LANGUAGE sql AS $$ SELECT ROW($1)::amount $$",
          "CREATE CAST (int AS amount) WITH FUNCTION amount_of(int) AS IMPLICIT",
          "ALTER TABLE kv OWNER TO " + TestOrigin.APP_USER);
    }
    node = TestNode.start(origin, db, b -> b.poolSize(2));
    named = new CatalogInspector.Login(TestOrigin.APP_USER, TestOrigin.APP_PASSWORD, db);
    implicit = new CatalogInspector.Login(TestOrigin.APP_USER, TestOrigin.APP_PASSWORD, other);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static String status(CatalogInspector.Login login, String sql) throws InterruptedException {
    ReadPlan plan = node.plan(login, sql);
    return plan.isCacheable() ? CACHEABLE : plan.refusal().name();
  }

  @Test
  void readsThatConvertToADomainOrCastWithNonImmutableCode_areNotCached_othersAre() throws Exception {
    assertThat(status(named, "SELECT n FROM kv WHERE k = 2")).isEqualTo(CACHEABLE);
    assertThat(status(named, "SELECT 5::counted")).isEqualTo("VOLATILE");
    assertThat(status(named, "SELECT CAST(k AS Counted) FROM kv")).isEqualTo("VOLATILE");
    assertThat(status(named, "SELECT /* outpost:cache */ 5::counted")).isEqualTo("VOLATILE");
    assertThat(status(named, "SELECT '2024-01-01'::recent_date")).isEqualTo("VOLATILE");
    assertThat(status(named, "SELECT 5::positive")).isEqualTo(CACHEABLE);
    assertThat(status(named, "SELECT (7::pair).b")).isEqualTo("VOLATILE");
  }

  @Test
  void anImplicitCastWithAStableFunction_countsInEveryRead() throws Exception {
    assertThat(status(implicit, "SELECT n FROM kv WHERE k = 1")).isEqualTo("VOLATILE");
    assertThat(status(implicit, "SELECT 1")).isEqualTo("VOLATILE");
    assertThat(status(implicit, "SELECT /* outpost:cache */ n FROM kv WHERE k = 1")).isEqualTo(CACHEABLE);
  }

  @Test
  void aVolatileCast_isRunEveryTime() throws Exception {
    try (Connection c = node.connect()) {
      status(named, "SELECT (7::pair).b"); // the catalog has described the database
      List<Long> draws = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        draws.add(Sql.longValue(c, "SELECT (7::pair).b"));
      }
      assertThat(draws).doesNotHaveDuplicates();
    }
  }

  @Test
  void aDomainCheckThatWrites_isRunEveryTime_andItsWriteInvalidates() throws Exception {
    try (Connection c = node.connect(); Connection direct = origin.superConnection(db)) {
      String read = "SELECT n FROM kv WHERE k = 1";
      untilHit(c, read);
      long start = Sql.longValue(direct, read);
      for (int i = 1; i <= 3; i++) {
        Sql.value(c, "SELECT 5::counted");
        assertThat(Sql.longValue(direct, read)).as("conversion %d ran on the origin", i).isEqualTo(start + i);
      }
      assertThat(Sql.longValue(c, read)).as("the domain check's write invalidated the cached read")
          .isEqualTo(start + 3);

      untilHit(c, read);
      Sql.exec(c, "INSERT INTO counted_rows VALUES (5)"); // stores a counted value: the check runs
      assertThat(Sql.longValue(c, read)).as("a write to another table that ran the check invalidated kv")
          .isEqualTo(start + 4);
    }
  }

  private static void untilHit(Connection c, String read) throws Exception {
    for (int i = 0; i < 50; i++) {
      long hits = count(CacheStatus.HIT);
      Sql.value(c, read);
      if (count(CacheStatus.HIT) > hits) {
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("never served from the cache: " + read);
  }

  private static long count(CacheStatus status) {
    return node.node().cacheService().cache().stats().count(status);
  }
}
