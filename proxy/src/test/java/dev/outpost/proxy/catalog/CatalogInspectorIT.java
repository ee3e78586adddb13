package dev.outpost.proxy.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.proxy.Sql;
import dev.outpost.cache.sql.TableRef;
import dev.outpost.proxy.config.OriginUrl;
import dev.outpost.testkit.TestOrigin;
import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Catalog facts against a real origin, with a clock the test moves: expired facts are answered
 * while they are looked up again; forgotten ones (after DDL) never are.
 */
class CatalogInspectorIT {

  @Test
  void expiredFacts_areAnsweredWhileRefreshed_forgottenOnesAreNot() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("catalogttl");
    try (Connection c = origin.superConnection(db)) {
      Sql.exec(c, "CREATE FUNCTION ttl_fn() RETURNS int IMMUTABLE LANGUAGE sql AS $$ SELECT 1 $$");
    }
    AtomicLong clock = new AtomicLong();
    Duration ttl = Duration.ofSeconds(60);
    CatalogInspector.Login login = new CatalogInspector.Login(TestOrigin.APP_USER, TestOrigin.APP_PASSWORD, db);
    try (CatalogInspector inspector = new CatalogInspector(OriginUrl.parse(origin.originUrl(db)), ttl, clock::get)) {
      assertThat(inspector.function(login, null, "ttl_fn").get(30, TimeUnit.SECONDS).volatility())
          .isEqualTo(Volatility.IMMUTABLE);
      try (Connection c = origin.superConnection(db)) { // changed around Outpost: seen when the facts expire
        Sql.exec(c, "CREATE OR REPLACE FUNCTION ttl_fn() RETURNS int VOLATILE LANGUAGE sql AS $$ SELECT 2 $$");
      }
      clock.addAndGet(ttl.toNanos() + 1);
      try (Connection blocker = origin.superConnection(db)) {
        // the lookup that starts now waits for this lock, so "meanwhile" cannot be its answer
        blocker.setAutoCommit(false);
        Sql.exec(blocker, "LOCK TABLE pg_catalog.pg_proc IN ACCESS EXCLUSIVE MODE");
        var meanwhile = inspector.function(login, null, "ttl_fn");
        assertThat(meanwhile).as("the expired facts, at once").isDone();
        assertThat(meanwhile.join().volatility()).isEqualTo(Volatility.IMMUTABLE);
        blocker.rollback();
      }
      await().atMost(Duration.ofSeconds(30)).until(
          () -> inspector.function(login, null, "ttl_fn").join().volatility() == Volatility.VOLATILE);

      try (Connection c = origin.superConnection(db)) {
        Sql.exec(c, "CREATE OR REPLACE FUNCTION ttl_fn() RETURNS int STABLE LANGUAGE sql AS $$ SELECT 3 $$");
      }
      inspector.forget(db); // DDL seen: the old facts must not be answered any more
      assertThat(inspector.function(login, null, "ttl_fn").get(30, TimeUnit.SECONDS).volatility())
          .isEqualTo(Volatility.STABLE);
    }
  }

  /**
   * Quoted names keep their case in Postgres: {@code "Foo"} and {@code foo} are two relations, and
   * the facts of one must never stand for the other (a trigger on one, a view over another table
   * under the other's name, a volatile function next to an immutable one).
   */
  @Test
  void quotedMixedCaseNames_getTheirOwnFacts_notThoseOfTheLowerCaseName() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("catalogcase");
    try (Connection c = origin.superConnection(db)) {
      Sql.exec(c, "CREATE TABLE foo(id int)");
      Sql.exec(c, "CREATE TABLE \"Foo\"(id int)");
      Sql.exec(c, "CREATE TABLE audit(n int)");
      Sql.exec(c, "CREATE FUNCTION bump() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE audit SET n = n + 1;"
          + " RETURN NULL; END $$");
      Sql.exec(c, "CREATE TRIGGER t AFTER INSERT ON \"Foo\" FOR EACH ROW EXECUTE FUNCTION bump()");
      Sql.exec(c, "CREATE TABLE base(x int)");
      Sql.exec(c, "CREATE TABLE v1(x int)");
      Sql.exec(c, "CREATE VIEW \"V1\" AS SELECT x FROM base");
      Sql.exec(c, "CREATE FUNCTION twice(int) RETURNS int IMMUTABLE LANGUAGE sql AS $$ SELECT $1 * 2 $$");
      Sql.exec(c, "CREATE FUNCTION \"Twice\"(int) RETURNS int VOLATILE LANGUAGE sql AS $$ SELECT $1 * 2 $$");
    }
    CatalogInspector.Login login = new CatalogInspector.Login(TestOrigin.APP_USER, TestOrigin.APP_PASSWORD, db);
    try (CatalogInspector inspector = new CatalogInspector(OriginUrl.parse(origin.originUrl(db)), Duration.ofSeconds(60),
        System::nanoTime)) {
      assertThat(inspector.relation(login, TableRef.of("foo")).get(30, TimeUnit.SECONDS).writeEverything())
          .as("foo has no trigger").isFalse();
      assertThat(inspector.relation(login, TableRef.of("Foo")).get(30, TimeUnit.SECONDS).writeEverything())
          .as("\"Foo\" has a trigger that writes another table").isTrue();
      assertThat(inspector.relation(login, TableRef.of("V1")).get(30, TimeUnit.SECONDS).readDependencies())
          .as("\"V1\" is a view over base").contains("base");
      assertThat(inspector.relation(login, TableRef.of("v1")).get(30, TimeUnit.SECONDS).readDependencies())
          .containsExactly("v1");
      assertThat(inspector.function(login, null, "twice").get(30, TimeUnit.SECONDS).volatility())
          .isEqualTo(Volatility.IMMUTABLE);
      assertThat(inspector.function(login, null, "Twice").get(30, TimeUnit.SECONDS).volatility())
          .isEqualTo(Volatility.VOLATILE);
    }
  }

  /**
   * Describing a view locks the tables under it, so a migration's ACCESS EXCLUSIVE lock used to hold
   * a catalog thread until the migration committed; with two views over the locked table both
   * threads waited, and every other lookup of the node with them. Now such lookups give up soon,
   * stand as unknown for a while, and are asked again after that; other lookups go on meanwhile.
   */
  @Test
  void aLockHeldByAMigration_failsOnlyTheLookupsThatNeedIt_andTheyAreAskedAgainLater() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("catalock");
    try (Connection c = origin.superConnection(db)) {
      Sql.exec(c, "CREATE TABLE migrating(a int)");
      Sql.exec(c, "CREATE VIEW over_migrating AS SELECT a FROM migrating");
      Sql.exec(c, "CREATE VIEW also_over_migrating AS SELECT a + 1 AS b FROM migrating");
      Sql.exec(c, "CREATE FUNCTION elsewhere() RETURNS int STABLE LANGUAGE sql AS $$ SELECT 1 $$");
    }
    AtomicLong clock = new AtomicLong();
    CatalogInspector.Login login = new CatalogInspector.Login(TestOrigin.APP_USER, TestOrigin.APP_PASSWORD, db);
    try (CatalogInspector inspector = new CatalogInspector(OriginUrl.parse(origin.originUrl(db)), Duration.ofSeconds(60),
        clock::get);
        Connection migration = origin.superConnection(db)) {
      migration.setAutoCommit(false);
      Sql.exec(migration, "LOCK TABLE migrating IN ACCESS EXCLUSIVE MODE");

      var first = inspector.relation(login, TableRef.of("over_migrating"));
      var second = inspector.relation(login, TableRef.of("also_over_migrating"));
      assertThat(inspector.function(login, null, "elsewhere").get(30, TimeUnit.SECONDS).volatility())
          .as("a lookup that needs no lock is answered while the migration holds its lock").isEqualTo(Volatility.STABLE);
      await().atMost(Duration.ofSeconds(30)).until(() -> first.isDone() && second.isDone());
      assertThat(first).as("gave up waiting for the lock").isCompletedExceptionally();
      assertThat(second).isCompletedExceptionally();
      assertThat(inspector.relation(login, TableRef.of("over_migrating")))
          .as("not asked again at once: the failure stands as unknown facts").isCompletedExceptionally();
      assertThat(inspector.relationIfKnown(login, TableRef.of("over_migrating"))).isNull();

      migration.rollback();
      clock.addAndGet(CatalogInspector.RETRY_AFTER_FAILURE.toNanos() + 1);
      assertThat(inspector.relation(login, TableRef.of("over_migrating")).get(30, TimeUnit.SECONDS).readDependencies())
          .as("asked again once the failure is old enough").contains("migrating");
    }
  }
}
