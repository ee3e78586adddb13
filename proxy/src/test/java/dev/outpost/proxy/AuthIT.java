package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.proxy.config.AuthMethod;
import dev.outpost.proxy.config.UserEntry;
import dev.outpost.testkit.TestOrigin;
import dev.outpost.wire.auth.ScramVerifier;
import java.sql.Connection;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Who gets in: configured users with a password or a SCRAM verifier, passthrough to the origin's
 * own roles, database restrictions, MD5 — and that no password ever reaches a log line.
 */
class AuthIT {
  private static final String ALICE_PW = "alice-Secret-91";
  private static final String BOB_PW = "bob-Secret-77";
  private static final String WRONG_PW = "wrong-Secret-55";
  private static CapturedLog logs;
  private static TestOrigin origin;
  private static String db;
  private static String otherDb;

  @BeforeAll
  static void start() {
    logs = CapturedLog.attach();
    origin = TestOrigin.shared();
    db = origin.createDatabase("auth");
    otherDb = origin.createDatabase("auth_other");
  }

  @AfterAll
  static void noSecretsInLogs() {
    try {
      for (String secret : List.of(ALICE_PW, BOB_PW, WRONG_PW, TestOrigin.APP_PASSWORD, TestOrigin.MD5_PASSWORD)) {
        assertThat(logs.lines()).as("log lines").noneMatch(l -> l.contains(secret));
      }
      assertThat(logs.lines()).isNotEmpty();
    } finally {
      logs.close();
    }
  }

  private static List<UserEntry> users() {
    return List.of(
        new UserEntry("alice", ALICE_PW, null, Set.of(), null, null),
        new UserEntry("bob", null, ScramVerifier.fromPassword(BOB_PW, 4096).format(), Set.of(db), null, null));
  }

  private static String url(TestNode node, String user, String password, String database) {
    return "jdbc:postgresql://127.0.0.1:" + node.port() + "/" + database + "?user=" + user + "&password=" + password;
  }

  @Test
  void scram_configuredUsers_inWithTheirPasswords_refusedOtherwiseWith28P01() throws Exception {
    try (TestNode node = TestNode.start(origin, db, b -> b.users(users()))) {
      try (Connection a = java.sql.DriverManager.getConnection(url(node, "alice", ALICE_PW, db));
          Connection b = java.sql.DriverManager.getConnection(url(node, "bob", BOB_PW, db))) {
        // both run as the origin URL's role
        assertThat(Sql.value(a, "SELECT current_user")).isEqualTo(TestOrigin.APP_USER);
        assertThat(Sql.value(b, "SELECT 'bob in'")).isEqualTo("bob in");
      }
      assertThat(Sql.sqlstateOf(() -> java.sql.DriverManager.getConnection(url(node, "alice", WRONG_PW, db)).close()))
          .isEqualTo("28P01");
      assertThat(Sql.sqlstateOf(() -> java.sql.DriverManager.getConnection(url(node, "mallory", WRONG_PW, db))
          .close())).isEqualTo("28P01");
      // bob may use only his database
      assertThat(Sql.sqlstateOf(() -> java.sql.DriverManager.getConnection(url(node, "bob", BOB_PW, otherDb))
          .close())).isEqualTo("42501");
      // a database the origin does not have
      assertThat(Sql.sqlstateOf(() -> java.sql.DriverManager.getConnection(url(node, "alice", ALICE_PW,
          "no_such_database")).close())).isEqualTo("3D000");
    }
  }

  @Test
  void md5_configuredUser_inWithItsPassword() throws Exception {
    List<UserEntry> withPasswords = List.of(users().get(0)); // a verifier alone cannot answer MD5
    try (TestNode node = TestNode.start(origin, db, b -> b.users(withPasswords).authMethod(AuthMethod.MD5))) {
      try (Connection a = java.sql.DriverManager.getConnection(url(node, "alice", ALICE_PW, db))) {
        assertThat(Sql.value(a, "SELECT 1")).isEqualTo("1");
      }
      assertThat(Sql.sqlstateOf(() -> java.sql.DriverManager.getConnection(url(node, "alice", WRONG_PW, db)).close()))
          .isEqualTo("28P01");
    }
  }

  @Test
  void passthrough_originRolesWithTheirOwnPasswords() throws Exception {
    try (TestNode node = TestNode.start(origin, db, b -> b.authMethod(AuthMethod.PASSTHROUGH))) {
      for (int i = 0; i < 2; i++) { // the second login is checked against the remembered verifier
        try (Connection app = java.sql.DriverManager.getConnection(url(node, TestOrigin.APP_USER,
            TestOrigin.APP_PASSWORD, db));
            Connection md5 = java.sql.DriverManager.getConnection(url(node, TestOrigin.MD5_USER,
                TestOrigin.MD5_PASSWORD, db))) {
          assertThat(Sql.value(app, "SELECT current_user")).isEqualTo(TestOrigin.APP_USER);
          assertThat(Sql.value(md5, "SELECT current_user")).isEqualTo(TestOrigin.MD5_USER);
        }
      }
      assertThat(Sql.sqlstateOf(() -> java.sql.DriverManager.getConnection(url(node, TestOrigin.APP_USER, WRONG_PW,
          db)).close())).isEqualTo("28P01");
      assertThat(Sql.sqlstateOf(() -> java.sql.DriverManager.getConnection(url(node, "nobody_here", WRONG_PW, db))
          .close())).isEqualTo("28P01");
      // a wrong password did not spoil the pool of the role: its right password still works
      try (Connection app = java.sql.DriverManager.getConnection(url(node, TestOrigin.APP_USER,
          TestOrigin.APP_PASSWORD, db))) {
        assertThat(Sql.value(app, "SELECT 'still in'")).isEqualTo("still in");
      }
    }
  }
}
