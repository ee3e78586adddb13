package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testkit.TestOrigin;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Statements that need a session of their own get a clear error naming session pooling in
 * transaction pooling — and the client connection stays usable, in and out of transactions.
 */
class TransactionModeRestrictionsIT {
  private static TestNode node;

  @BeforeAll
  static void start() {
    TestOrigin origin = TestOrigin.shared();
    node = TestNode.start(origin, origin.createDatabase("txmode"), b -> b.poolSize(2));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @ParameterizedTest(name = "{1} via {0}")
  @CsvSource(delimiter = '|', value = {
      "simple|LISTEN my_channel",
      "extended|LISTEN my_channel",
      "simple|PREPARE p1 AS SELECT 1",
      "extended|PREPARE p1 AS SELECT 1",
      "simple|SELECT pg_advisory_lock(42)",
      "extended|SELECT pg_advisory_lock(42)",
      "simple|CREATE TEMP TABLE tt (x int)",
      "extended|SET ROLE postgres"})
  void sessionFeature_inTransactionMode_clearErrorAndConnectionStaysUsable(String mode, String sql)
      throws Exception {
    try (Connection c = node.connect("preferQueryMode=" + mode)) {
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

  private static SQLException error(Connection c, String sql) {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      return e;
    }
    throw new AssertionError("expected an error from " + sql);
  }
}
