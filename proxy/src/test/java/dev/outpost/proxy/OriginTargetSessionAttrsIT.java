package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.outpost.proxy.config.OriginUrl;
import dev.outpost.testkit.TestOrigin;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * {@code target_session_attrs} in the origin URL, against a real Postgres whose database makes
 * every session read-only ({@code ALTER DATABASE … SET default_transaction_read_only = on}, what a
 * server that is not the primary looks like to libpq's {@code read-write} check): the node does
 * not keep a connection it may not write through, clients are told why with 08006, and it serves
 * again once the origin is writable, without a restart. (A hot standby's {@code in_hot_standby}
 * is decided by the same code; OriginHandshakeTest covers it.)
 */
class OriginTargetSessionAttrsIT {

  @Test
  void readWrite_refusesAReadOnlyOrigin_namingWhy_andServesOnceItIsWritable() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("target_attrs");
    try (Connection su = origin.superConnection(db)) {
      Sql.exec(su, "CREATE TABLE t (k int)", "ALTER TABLE t OWNER TO " + TestOrigin.APP_USER,
          "ALTER DATABASE " + db + " SET default_transaction_read_only = on");
    }
    try (TestNode readWrite = TestNode.start(origin, db,
            b -> b.origin(OriginUrl.parse(origin.originUrl(db) + "?target_session_attrs=read-write")));
        TestNode primary = TestNode.start(origin, db,
            b -> b.origin(OriginUrl.parse(origin.originUrl(db) + "?target_session_attrs=primary")))) {
      SQLException refused = catchThrowableOfType(() -> readWrite.connect().close(), SQLException.class);
      assertThat((Object) refused).as("a login through the node while the origin is read-only").isNotNull();
      assertThat(refused.getSQLState()).isEqualTo("08006");
      assertThat(refused.getMessage()).contains("default_transaction_read_only = on")
          .contains("target_session_attrs=read-write");

      // primary only refuses a hot standby: it logs in, and the origin refuses the write itself
      try (Connection c = primary.connect()) {
        assertThat(Sql.value(c, "SHOW default_transaction_read_only")).isEqualTo("on");
        assertThat(Sql.sqlstateOf(() -> Sql.exec(c, "INSERT INTO t VALUES (1)"))).isEqualTo("25006");
      }

      try (Connection su = origin.superConnection()) { // a session in db itself would be read-only too
        Sql.exec(su, "ALTER DATABASE " + db + " RESET default_transaction_read_only");
      }
      Awaitility.await().atMost(Duration.ofSeconds(15)).ignoreExceptions().untilAsserted(() -> {
        try (Connection c = readWrite.connect()) {
          Sql.exec(c, "INSERT INTO t VALUES (2)");
          assertThat(Sql.value(c, "SELECT count(*) FROM t")).isEqualTo("1");
        }
      });
    }
  }
}
