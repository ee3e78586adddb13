package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.cache.CacheStatus;
import dev.outpost.proxy.auth.User;
import dev.outpost.proxy.auth.UserDirectory;
import dev.outpost.proxy.catalog.CatalogInspector;
import dev.outpost.proxy.config.PoolMode;
import dev.outpost.testkit.TestOrigin;
import dev.outpost.proxy.server.OutpostNode;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Statements that change the role or settings in ways Outpost cannot replay — SET ROLE,
 * set_config(), a DO block, a user-defined function, an UPDATE of pg_settings — never make the
 * cache answer with another role's rows, and never leak to another client through a pooled
 * backend. A table with row-level security on {@code owner = current_user} makes every mistake
 * visible as wrong rows.
 */
class UntrackedSessionStateIT {
  private static final String READ = "SELECT coalesce(string_agg(body, ',' ORDER BY body), '-') FROM docs";
  private static final String ADMIN_ROWS = "admin 1";
  private static final String ALICE_ROWS = "alice 1,alice 2";
  private static final String BOB_ROWS = "bob 1";
  private static String db;
  private static UserDirectory users;

  @BeforeAll
  static void schema() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    db = origin.createDatabase("untracked");
    try (Connection c = origin.superConnection(db)) {
      Sql.exec(c, "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'st_admin') THEN"
              + " CREATE ROLE st_admin LOGIN PASSWORD 'admin-pw'; CREATE ROLE st_alice; CREATE ROLE st_bob;"
              + " GRANT st_alice, st_bob TO st_admin; END IF; END $$",
          "CREATE TABLE docs (owner text, body text)",
          "INSERT INTO docs VALUES ('st_admin', 'admin 1'), ('st_alice', 'alice 1'), ('st_alice', 'alice 2'),"
              + " ('st_bob', 'bob 1')",
          "ALTER TABLE docs ENABLE ROW LEVEL SECURITY",
          "CREATE POLICY own ON docs USING (owner = current_user)",
          "GRANT SELECT ON docs TO st_admin, st_alice, st_bob",
          "CREATE FUNCTION become(r text) RETURNS text LANGUAGE sql VOLATILE"
              + " AS $$ SELECT set_config('role', r, false) $$",
          "GRANT EXECUTE ON FUNCTION become(text) TO st_admin",
          "CREATE FUNCTION flip() RETURNS text LANGUAGE sql STABLE AS $$ SELECT 'harmless'::text $$",
          // code that changes the role or a setting, behind names that do not say so
          "CREATE VIEW as_bob AS SELECT set_config('role', 'st_bob', false) AS r",
          "CREATE VIEW via_become AS SELECT become('st_alice') AS r",
          "CREATE TABLE trig_t (x int)",
          "CREATE FUNCTION trig_become() RETURNS trigger LANGUAGE plpgsql"
              + " AS $$ BEGIN PERFORM set_config('role', 'st_bob', false); RETURN NEW; END $$",
          "CREATE TRIGGER become_bob BEFORE INSERT ON trig_t FOR EACH ROW EXECUTE FUNCTION trig_become()",
          "CREATE TABLE def_t (x int, r text DEFAULT set_config('search_path', 'nowhere', false))",
          "CREATE TABLE pol_t (x int)", "INSERT INTO pol_t VALUES (1)",
          "ALTER TABLE pol_t ENABLE ROW LEVEL SECURITY",
          "CREATE POLICY nowhere ON pol_t USING (set_config('search_path', 'nowhere', false) IS NOT NULL)",
          "GRANT SELECT ON as_bob, via_become, pol_t TO st_admin",
          "GRANT INSERT ON trig_t, def_t TO st_admin",
          "ALTER FUNCTION flip() OWNER TO st_admin");
    }
    users = new UserDirectory(List.of(User.withPassword("st_admin", "admin-pw", Set.of(), "st_admin", "admin-pw")));
  }

  private static TestNode node(PoolMode mode, boolean cache) {
    return TestNode.start(TestOrigin.shared(), db, b -> b.poolMode(mode).poolSize(1).cacheEnabled(cache),
        OutpostNode.Options.defaults().withUsers(users));
  }

  private static Connection connect(TestNode node) throws Exception {
    return node.connectAs("st_admin", "admin-pw", "");
  }

  private static long hits(TestNode node) {
    return node.node().cacheService().cache().stats().count(CacheStatus.HIT);
  }

  /** Reads until a read is a hit (the first ones go uncached until the node has the catalog facts). */
  private static void warm(TestNode node, Connection c, String expected) throws Exception {
    for (int i = 0; i < 200; i++) {
      long before = hits(node);
      assertThat(Sql.value(c, READ)).isEqualTo(expected);
      if (hits(node) > before) {
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("the read was never served from the cache");
  }

  @Test
  void sessionMode_roleChangedBehindOutpostsBack_neverServedAnotherRolesEntry() throws Exception {
    try (TestNode node = node(PoolMode.SESSION, true)) {
      try (Connection admin = connect(node)) {
        warm(node, admin, ADMIN_ROWS); // st_admin's rows are now cached
      }
      // the catalog has described become(): its call counts as an untracked change at once, not
      // only when a later read of that session finds the lookup finished (with the lookup still
      // running after the session's last read, it would never be counted)
      node.plan(new CatalogInspector.Login("st_admin", "admin-pw", db), "SELECT become('st_bob')");
      String[][] roleChanges = {
          {"SET ROLE st_alice", ALICE_ROWS},
          {"SELECT set_config('role', 'st_bob', false)", BOB_ROWS},
          {"DO $$ BEGIN EXECUTE 'SET ROLE st_alice'; END $$", ALICE_ROWS},
          {"SELECT become('st_bob')", BOB_ROWS},
      };
      for (String[] change : roleChanges) {
        try (Connection c = connect(node)) {
          Sql.exec(c, change[0]);
          for (int i = 0; i < 3; i++) {
            assertThat(Sql.value(c, READ)).as("read %d after %s", i, change[0]).isEqualTo(change[1]);
          }
        }
      }
      try (Connection admin = connect(node)) {
        warm(node, admin, ADMIN_ROWS); // the DO block and become() invalidated the database
      }
      try (Connection c = connect(node)) {
        Sql.exec(c, "SET ROLE st_alice");
        long before = hits(node);
        assertThat(Sql.value(c, READ)).isEqualTo(ALICE_ROWS);
        assertThat(Sql.value(c, READ)).isEqualTo(ALICE_ROWS);
        assertThat(hits(node)).as("the session still caches, with entries of its own").isGreaterThan(before);

        Sql.exec(c, "DISCARD ALL");
        before = hits(node);
        assertThat(Sql.value(c, READ)).isEqualTo(ADMIN_ROWS);
        assertThat(hits(node)).as("after DISCARD ALL the session shares entries again").isGreaterThan(before);
      }
      try (Connection admin = connect(node)) {
        assertThat(Sql.value(admin, READ)).as("the shared entry was never overwritten").isEqualTo(ADMIN_ROWS);
      }
      assertThat(node.node().metrics().registry().get("outpost.session.untracked.state").counter().count())
          .as("operators see each untracked change (SET ROLE twice, set_config, DO, become)").isGreaterThanOrEqualTo(5);
      assertThat(node.node().metrics().scrape()).contains("outpost_session_untracked_state_total");
    }
  }

  @Test
  void sessionMode_staleEntryOfAnUntrackedSession_isNeverRefreshedWithoutItsState() throws Exception {
    // every entry is stale after 1 ms: a hit on it would start a background refresh on another
    // origin connection, which has the login role, not the one this session switched to
    try (TestNode node = TestNode.start(TestOrigin.shared(), db, b -> b.poolMode(PoolMode.SESSION).poolSize(4),
        OutpostNode.Options.defaults().withUsers(users)
            .withCachePolicy(TestRegion.policy(java.time.Duration.ofMillis(1), java.time.Duration.ofSeconds(60))));
        Connection c = connect(node)) {
      Sql.exec(c, "SET ROLE st_alice");
      for (int i = 0; i < 30; i++) {
        assertThat(Sql.value(c, READ)).as("read %d", i).isEqualTo(ALICE_ROWS);
        Thread.sleep(20);
      }
      assertThat(node.node().cacheService().cache().stats().count(CacheStatus.STALE))
          .as("no stale entry was served to the session").isZero();
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"SELECT set_config('search_path', 'nowhere', false)",
      "UPDATE pg_settings SET setting = 'nowhere' WHERE name = 'search_path'"})
  void sessionMode_searchPathChangedBehindOutpostsBack_isNotAnsweredFromTheCache(String change) throws Exception {
    try (TestNode node = node(PoolMode.SESSION, true); Connection c = connect(node)) {
      warm(node, c, ADMIN_ROWS);
      Sql.exec(c, change);
      assertThat(Sql.sqlstateOf(() -> Sql.value(c, READ))).as("docs is not on the search path any more")
          .isEqualTo("42P01");
    }
  }

  /**
   * With the cache on or off: the node asks the catalog which user-defined functions are volatile
   * (and may change the role) whether it caches or not; a pooled backend is never handed on with
   * a role or a setting the client changed that way.
   */
  @ParameterizedTest(name = "cache {0}")
  @ValueSource(booleans = {true, false})
  void transactionMode_roleChangedBehindOutpostsBack_neverReachesTheNextClient(boolean cache) throws Exception {
    List<String> roleChanges = List.of(
        "SELECT set_config('role', 'st_bob', false)",
        "DO $$ BEGIN EXECUTE 'SET ROLE st_alice'; END $$",
        "SELECT set_config('search_path', 'nowhere', false)",
        "UPDATE pg_settings SET setting = 'nowhere' WHERE name = 'search_path'",
        "SELECT become('st_bob')",
        "SELECT become('st_alice')");
    try (TestNode node = node(PoolMode.TRANSACTION, cache); Connection other = connect(node)) {
      for (String change : roleChanges) {
        runThenCheckTheNextClient(node, change, other);
      }
    }
  }

  /**
   * Runs {@code change} as a client of its own, then checks that {@code other} (on the same single
   * pooled backend) has its own role, search path and rows.
   */
  private static void runThenCheckTheNextClient(TestNode node, String change, Connection other) throws Exception {
    try (Connection c = connect(node)) { // one pooled backend: the next client gets the same one
      Sql.exec(c, change);
    }
    assertThat(Sql.value(other, "SELECT current_user || ' ' || current_setting('search_path')"))
        .as("after another client ran %s", change).isEqualTo("st_admin \"$user\", public");
    assertThat(Sql.value(other, READ)).as("after another client ran %s", change).isEqualTo(ADMIN_ROWS);
  }

  /**
   * Code that changes the role or a setting without the statement naming it — a view calling
   * set_config() or a volatile user function, a trigger, a column default, a row-security policy,
   * SQL a built-in runs from text (query_to_xml) —
   * never reaches the next client through a pooled backend either (each reached it: the node
   * looked only at the functions a text names).
   */
  @ParameterizedTest(name = "cache {0}")
  @ValueSource(booleans = {true, false})
  void transactionMode_roleChangedByCodeTheTextDoesNotName_neverReachesTheNextClient(boolean cache)
      throws Exception {
    List<String> hidden = List.of("SELECT r FROM as_bob", "SELECT r FROM via_become", "INSERT INTO trig_t VALUES (1)",
        "INSERT INTO def_t (x) VALUES (1)", "SELECT x FROM pol_t",
        "SELECT query_to_xml('select set_config(''search_path'', ''nowhere'', false)', false, false, '')");
    try (TestNode node = node(PoolMode.TRANSACTION, cache); Connection other = connect(node)) {
      for (int round = 0; round < 2; round++) { // the first runs may precede the catalog's answers
        for (String change : hidden) {
          runThenCheckTheNextClient(node, change, other);
        }
      }
    }
  }

  private static void harmlessFlip() throws Exception {
    try (Connection c = TestOrigin.shared().superConnection(db)) {
      Sql.exec(c, "CREATE OR REPLACE FUNCTION flip() RETURNS text LANGUAGE sql STABLE AS $$ SELECT 'harmless'::text $$",
          "ALTER FUNCTION flip() OWNER TO st_admin");
    }
  }

  /** Calls flip() while the catalog describes it: the session's answer about it is then memoized. */
  private static void callHarmlessFlip(Connection c) throws Exception {
    for (int i = 0; i < 40; i++) {
      assertThat(Sql.value(c, "SELECT flip()")).isEqualTo("harmless");
      Thread.sleep(10);
    }
  }

  private static final String ROLE_CHANGING_FLIP = "CREATE OR REPLACE FUNCTION flip() RETURNS text LANGUAGE sql"
      + " VOLATILE AS $$ SELECT set_config('role', 'st_bob', false) $$";

  /**
   * A client repeating one statement is answered from the session's memo of what the catalog
   * said about its functions — until a schema change: a function replaced through Outpost by a
   * volatile one that changes the role must count at the very next run of the same text, or the
   * pooled backend reaches the next client with that role. With the cache off too: then no cache
   * invalidation makes the node forget its catalog facts, the session does.
   */
  @ParameterizedTest(name = "cache {0}")
  @ValueSource(booleans = {true, false})
  void transactionMode_functionReplacedByOneThatChangesTheRole_countsAtTheNextRunOfTheSameText(boolean cache)
      throws Exception {
    harmlessFlip();
    try (TestNode node = node(PoolMode.TRANSACTION, cache); Connection c = connect(node);
        Connection ddl = connect(node); Connection other = connect(node)) {
      callHarmlessFlip(c);
      Sql.exec(ddl, ROLE_CHANGING_FLIP);
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
          node.node().metrics().registry().get("outpost.catalog.schema.changes").counter().count())
          .as("operators see the schema change, with the cache off too").isGreaterThanOrEqualTo(1));
      assertThat(Sql.value(c, "SELECT flip()")).isEqualTo("st_bob");
      assertThat(Sql.value(other, "SELECT current_user::text")).isEqualTo("st_admin");
      assertThat(Sql.value(other, READ)).isEqualTo(ADMIN_ROWS);
    }
  }

  /**
   * The replacement and the call in one transaction: the call is judged by facts from before the
   * replacement (they are forgotten when the transaction ends), so the backend must be reset after
   * it whatever the catalog said.
   */
  @ParameterizedTest(name = "cache {0}")
  @ValueSource(booleans = {true, false})
  void transactionMode_functionReplacedAndCalledInOneTransaction_neverReachesTheNextClient(boolean cache)
      throws Exception {
    harmlessFlip();
    try (TestNode node = node(PoolMode.TRANSACTION, cache); Connection c = connect(node);
        Connection other = connect(node)) {
      callHarmlessFlip(c);
      c.setAutoCommit(false);
      Sql.exec(c, ROLE_CHANGING_FLIP);
      assertThat(Sql.value(c, "SELECT flip()")).isEqualTo("st_bob");
      c.commit();
      assertThat(Sql.value(other, "SELECT current_user::text")).isEqualTo("st_admin");
      assertThat(Sql.value(other, READ)).isEqualTo(ADMIN_ROWS);
    }
  }

  /**
   * Session pooling with the cache on: a function replaced and called in one transaction changes
   * the session's role while the call was judged harmless; the session's later reads must neither
   * be answered with entries cached for its login role nor fill entries that other sessions of
   * that role are answered with.
   */
  @Test
  void sessionMode_functionReplacedAndCalledInOneTransaction_neverServedAnotherRolesEntry() throws Exception {
    harmlessFlip();
    try (TestNode node = node(PoolMode.SESSION, true)) {
      try (Connection c = connect(node)) {
        warm(node, c, ADMIN_ROWS); // st_admin's rows are now cached
        callHarmlessFlip(c);
        c.setAutoCommit(false);
        Sql.exec(c, ROLE_CHANGING_FLIP);
        assertThat(Sql.value(c, "SELECT flip()")).isEqualTo("st_bob");
        c.commit();
        c.setAutoCommit(true);
        warm(node, c, BOB_ROWS); // read as st_bob until the session's own reads hit
      }
      try (Connection admin = connect(node)) {
        assertThat(Sql.value(admin, READ)).as("st_bob's rows were never cached for st_admin").isEqualTo(ADMIN_ROWS);
      }
    }
  }
}
