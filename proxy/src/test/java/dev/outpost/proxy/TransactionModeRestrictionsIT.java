package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testkit.TestOrigin;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Statements that need a session of their own get a clear error naming session pooling in
 * transaction pooling — and the client connection stays usable, in and out of transactions.
 */
class TransactionModeRestrictionsIT {
  private static TestNode node;
  /** The cache off: the session asks the code facts by shape, not the text inspector. */
  private static TestNode nodeWithoutCache;

  @BeforeAll
  static void start() {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("txmode");
    node = TestNode.start(origin, db, b -> b.poolSize(2));
    nodeWithoutCache = TestNode.start(origin, db, b -> b.poolSize(2).cacheEnabled(false));
  }

  @AfterAll
  static void stop() {
    node.close();
    nodeWithoutCache.close();
  }

  static Stream<Arguments> sessionFeatures() {
    List<String[]> features = List.of(
        new String[] {"simple", "LISTEN my_channel"},
        new String[] {"extended", "LISTEN my_channel"},
        new String[] {"simple", "PREPARE p1 AS SELECT 1"},
        new String[] {"extended", "PREPARE p1 AS SELECT 1"},
        new String[] {"simple", "SELECT pg_advisory_lock(42)"},
        new String[] {"extended", "SELECT pg_advisory_lock(42)"},
        new String[] {"simple", "CREATE TEMP TABLE tt (x int)"},
        new String[] {"simple", "CREATE TABLE pg_temp.tt (x int)"},
        new String[] {"extended", "CREATE SEQUENCE pg_temp.sq"},
        new String[] {"simple", "CREATE FUNCTION pg_temp.f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$"},
        new String[] {"extended", "SET ROLE postgres"},
        new String[] {"simple", "SET ROLE 'none'"},
        new String[] {"extended", "DECLARE c CURSOR WITH HOLD FOR SELECT 1"});
    return Stream.of(true, false).flatMap(cache -> features.stream().map(f -> Arguments.of(cache, f[0], f[1])));
  }

  @ParameterizedTest(name = "{2} via {1}, cache {0}")
  @MethodSource("sessionFeatures")
  void sessionFeature_inTransactionMode_clearErrorAndConnectionStaysUsable(boolean cache, String mode, String sql)
      throws Exception {
    try (Connection c = (cache ? node : nodeWithoutCache).connect("preferQueryMode=" + mode)) {
      SQLException e = error(c, sql);
      assertThat(e.getSQLState()).isEqualTo("0A000");
      assertThat(e.getMessage()).contains("transaction pooling").contains("session");
      assertThat(Sql.value(c, "SELECT 'usable'")).isEqualTo("usable");
      // inside a transaction the failure aborts it, as any error would
      c.setAutoCommit(false);
      Sql.exec(c, "SELECT 1");
      assertThat(error(c, sql).getSQLState()).isEqualTo("0A000");
      assertThat(error(c, "SELECT 1").getSQLState()).isEqualTo("25P02");
      c.rollback();
      c.setAutoCommit(true);
      assertThat(Sql.value(c, "SELECT 'usable again'")).isEqualTo("usable again");
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"simple", "extended"})
  void transactionScopedVariants_areAllowed(String mode) throws Exception {
    try (Connection c = node.connect("preferQueryMode=" + mode)) {
      c.setAutoCommit(false);
      assertThat(Sql.value(c, "SELECT pg_advisory_xact_lock(7)::text")).isEqualTo("");
      Sql.exec(c, "CREATE TEMP TABLE scratch (x int) ON COMMIT DROP", "INSERT INTO scratch VALUES (1)");
      assertThat(Sql.value(c, "SELECT count(*) FROM scratch")).isEqualTo("1");
      c.commit();
    }
  }

  /**
   * What asyncpg's pool runs each time a connection comes back to it, as one simple query. The
   * node refused it for {@code pg_advisory_unlock_all()}, so every release through a transaction
   * pool failed. No backend a client shares can hold its session lock (taking one is refused), so
   * the unlocks release nothing, as on a session that took none, and pass.
   */
  @ParameterizedTest(name = "cache {0}")
  @CsvSource({"true", "false"})
  void advisoryUnlocks_andAsyncpgsPoolReset_pass(boolean cache) throws Exception {
    String reset = "SELECT pg_advisory_unlock_all();\nCLOSE ALL;\n"
        + "DO $$\nBEGIN\n    PERFORM * FROM pg_listening_channels() LIMIT 1;\n    IF FOUND THEN\n        UNLISTEN *;\n"
        + "    END IF;\nEND;\n$$;\nRESET ALL;";
    for (String mode : new String[] {"simple", "extended"}) {
      try (Connection c = (cache ? node : nodeWithoutCache).connect("preferQueryMode=" + mode)) {
        Sql.exec(c, "SET application_name = 'before the reset'");
        if (mode.equals("simple")) {
          Sql.exec(c, reset);
          assertThat(Sql.value(c, "SHOW application_name")).as("RESET ALL ran").isNotEqualTo("before the reset");
        }
        assertThat(Sql.value(c, "SELECT pg_advisory_unlock(42)::text")).as("a lock nobody took").isEqualTo("false");
        assertThat(Sql.value(c, "SELECT pg_catalog.pg_advisory_unlock_shared(7)::text")).isEqualTo("false");
        assertThat(Sql.value(c, "SELECT pg_advisory_unlock_all()::text")).isEqualTo("");
        assertThat(Sql.value(c, "SELECT 'usable'")).isEqualTo("usable");
      }
    }
  }

  private static SQLException error(Connection c, String sql) {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      return e;
    }
    throw new AssertionError("expected an error from " + sql);
  }
}
