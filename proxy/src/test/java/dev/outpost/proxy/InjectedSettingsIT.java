package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.cache.CacheStatus;
import dev.outpost.testkit.TestOrigin;
import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * In transaction pooling the node sends a backend the client's settings ahead of its request when
 * they differ (after another client left it in an unknown state, a reset). The answer to those
 * settings ends with a ReadyForQuery of its own; it must not count as the end of the client's
 * statement, which has not run yet: a write that committed after it was never invalidated, and a
 * read filled between the two stayed in the cache (read-your-writes broken).
 */
class InjectedSettingsIT {
  private static TestOrigin origin;
  private static String db;
  private static TestNode node;

  @BeforeAll
  static void schema() throws Exception {
    origin = TestOrigin.shared();
    db = origin.createDatabase("injected");
    try (Connection c = origin.superConnection(db)) {
      Sql.exec(c, "CREATE TABLE kv (k int PRIMARY KEY, v text)", "INSERT INTO kv VALUES (1, 'old')",
          "ALTER TABLE kv OWNER TO " + TestOrigin.APP_USER);
    }
    node = TestNode.start(origin, db, b -> b.poolSize(2));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void aWriteBehindInjectedSettings_isInvalidatedWhenItCommits_notWhenTheSettingsAnswer() throws Exception {
    String read = "SELECT v FROM kv WHERE k = 1";
    try (Connection writer = node.connect(); Connection reader = node.connect();
        Connection c1 = node.connect(); Connection c2 = node.connect()) {
      untilHit(reader, read);
      // both backends are left with settings the node cannot know: each is reset (SET SESSION
      // AUTHORIZATION DEFAULT; RESET ALL; the client's settings) ahead of its next request
      c1.setAutoCommit(false);
      c2.setAutoCommit(false);
      Sql.value(c1, "SELECT set_config('application_name', 'untracked-1', false)");
      Sql.value(c2, "SELECT set_config('application_name', 'untracked-2', false)");
      c1.commit();
      c2.commit();

      try (Connection lock = origin.superConnection(db)) {
        lock.setAutoCommit(false);
        Sql.value(lock, "SELECT v FROM kv WHERE k = 1 FOR UPDATE");
        CompletableFuture<Void> update = CompletableFuture.runAsync(() -> {
          try {
            Sql.exec(writer, "UPDATE kv SET v = 'new' WHERE k = 1");
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
        // the UPDATE has been sent behind its settings and waits for the row lock
        await().atMost(Duration.ofSeconds(30)).until(() -> Long.parseLong(Sql.value(lock,
            "SELECT count(*) FROM pg_stat_activity WHERE query = 'UPDATE kv SET v = ''new'' WHERE k = 1'"
                + " AND wait_event_type = 'Lock'")) == 1);
        // meanwhile another session reads the committed value and fills the cache with it
        assertThat(Sql.value(reader, read)).isEqualTo("old");
        untilHit(reader, read);
        lock.rollback();
        update.get(30, TimeUnit.SECONDS);
      }
      assertThat(Sql.value(writer, read)).as("the writer reads its own write").isEqualTo("new");
      assertThat(Sql.value(reader, read)).as("so does everybody else").isEqualTo("new");
    }
  }

  private static void untilHit(Connection c, String read) throws Exception {
    for (int i = 0; i < 50; i++) {
      long hits = hits();
      Sql.value(c, read);
      if (hits() > hits) {
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("never served from the cache: " + read);
  }

  private static long hits() {
    return node.node().cacheService().cache().stats().count(CacheStatus.HIT);
  }
}
