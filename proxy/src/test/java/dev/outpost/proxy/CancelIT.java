package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testkit.TestOrigin;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Statement.cancel() reaches the origin backend that runs the client's query. */
class CancelIT {
  @ParameterizedTest(name = "preferQueryMode={0}")
  @ValueSource(strings = {"simple", "extended"})
  void cancel_longSleep_endsWith57014AndConnectionStaysUsable(String mode) throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("cancel");
    try (TestNode node = TestNode.start(origin, db, b -> b.poolSize(2));
        Connection c = node.connect("preferQueryMode=" + mode);
        Connection other = node.connect()) {
      Sql.exec(other, "SELECT 1"); // the other backend is busy elsewhere; cancel must hit the right one
      Statement s = c.createStatement();
      CompletableFuture<String> outcome = CompletableFuture.supplyAsync(() -> {
        try {
          s.execute("SELECT pg_sleep(30)");
          return "finished";
        } catch (SQLException e) {
          return e.getSQLState();
        }
      });
      // wait until the sleep is running at the origin, then cancel
      for (int i = 0; i < 200 && !sleeping(origin, db); i++) {
        Thread.sleep(50);
      }
      assertThat(sleeping(origin, db)).isTrue();
      s.cancel();
      assertThat(outcome.get(10, TimeUnit.SECONDS)).isEqualTo("57014");
      assertThat(Sql.value(c, "SELECT 'still usable'")).isEqualTo("still usable");
      assertThat(Sql.value(other, "SELECT 'other fine'")).isEqualTo("other fine");
    }
  }

  private static boolean sleeping(TestOrigin origin, String db) throws SQLException {
    try (Connection c = origin.superConnection()) {
      return Sql.longValue(c, "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + db
          + "' AND state = 'active' AND query LIKE 'SELECT pg_sleep%'") > 0;
    }
  }
}
