package dev.outpost.proxy.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.proxy.Sql;
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
}
