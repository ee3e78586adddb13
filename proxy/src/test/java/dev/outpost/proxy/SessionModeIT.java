package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.proxy.config.PoolMode;
import dev.outpost.testkit.TestOrigin;
import java.sql.Connection;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/** Session pooling: one backend per client for its whole life, cleaned with DISCARD ALL after. */
class SessionModeIT {
  @Test
  void listenNotify_acrossTwoClients_delivered() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    try (TestNode node = TestNode.start(origin, origin.createDatabase("sessmode"),
        b -> b.poolMode(PoolMode.SESSION).poolSize(4));
        Connection listener = node.connect(); Connection sender = node.connect()) {
      Sql.exec(listener, "LISTEN outpost_events");
      Sql.exec(sender, "NOTIFY outpost_events, 'hello'");
      PGNotification[] got = null;
      for (int i = 0; i < 50 && (got == null || got.length == 0); i++) {
        got = listener.unwrap(PGConnection.class).getNotifications(100);
      }
      assertThat(got).isNotNull().hasSize(1);
      assertThat(got[0].getName()).isEqualTo("outpost_events");
      assertThat(got[0].getParameter()).isEqualTo("hello");
    }
  }

  @Test
  void release_runsDiscardAll_nextClientStartsClean() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    try (TestNode node = TestNode.start(origin, origin.createDatabase("sessclean"),
        b -> b.poolMode(PoolMode.SESSION).poolSize(1))) {
      String pid;
      try (Connection first = node.connect()) {
        pid = Sql.value(first, "SELECT pg_backend_pid()");
        Sql.exec(first, "CREATE TEMP TABLE leftover (x int)", "PREPARE leftover_stmt AS SELECT 1",
            "SET TimeZone = 'Asia/Kolkata'", "LISTEN leftover_channel", "SELECT pg_advisory_lock(99)");
      }
      try (Connection second = node.connect()) {
        assertThat(Sql.value(second, "SELECT pg_backend_pid()")).isEqualTo(pid);
        assertThat(Sql.value(second, "SELECT count(*) FROM pg_prepared_statements WHERE name = 'leftover_stmt'"))
            .isEqualTo("0");
        assertThat(Sql.value(second, "SELECT to_regclass('pg_temp.leftover')")).isNull();
        assertThat(Sql.value(second, "SHOW TimeZone")).isNotEqualTo("Asia/Kolkata");
        assertThat(Sql.value(second, "SELECT count(*) FROM pg_listening_channels()")).isEqualTo("0");
        assertThat(Sql.value(second, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = "
            + pid)).isEqualTo("0");
      }
    }
  }

  /**
   * In session pooling a temporary table may shadow a shared one of the same name. The session that
   * made it reads its own rows, and they never reach the shared cache: they were served to every
   * other client (the catalog facts describe the shared table only, and the key holds nothing of
   * the session).
   */
  @Test
  void temporaryTableShadowingASharedOne_neverFillsTheSharedCache() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("sesstemp");
    try (Connection c = origin.superConnection(db)) {
      Sql.exec(c, "CREATE TABLE shad (v text)", "INSERT INTO shad VALUES ('shared')",
          "ALTER TABLE shad OWNER TO " + TestOrigin.APP_USER);
    }
    try (TestNode node = TestNode.start(origin, db, b -> b.poolMode(PoolMode.SESSION).poolSize(3))) {
      String read = "SELECT v FROM shad";
      try (Connection a = node.connect(); Connection b = node.connect()) {
        for (int i = 0; i < 5; i++) { // catalog facts, then a fill, then hits
          assertThat(Sql.value(a, read)).isEqualTo("shared");
        }
        Sql.exec(a, "CREATE TEMP TABLE shad (v text)", "INSERT INTO shad VALUES ('private to a')");
        for (int i = 0; i < 5; i++) {
          assertThat(Sql.value(a, read)).isEqualTo("private to a");
          assertThat(Sql.value(b, read)).isEqualTo("shared");
        }
        try (Connection later = node.connect()) {
          assertThat(Sql.value(later, read)).isEqualTo("shared");
        }
        Sql.exec(a, "DISCARD ALL");
        assertThat(Sql.value(a, read)).isEqualTo("shared");
      }
    }
  }
}
