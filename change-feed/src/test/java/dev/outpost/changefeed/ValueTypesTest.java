package dev.outpost.changefeed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The small public value types and helpers. */
class ValueTypesTest {

  @Test
  void lsn_printsAndParsesLikePostgres_andOrdersUnsigned() {
    assertThat(Lsn.parse("16/B374D848").value()).isEqualTo(0x16_B374D848L);
    assertThat(Lsn.parse("16/B374D848")).hasToString("16/B374D848");
    assertThat(new Lsn(-1)).hasToString("FFFFFFFF/FFFFFFFF");
    assertThat(new Lsn(-1)).isGreaterThan(new Lsn(1));
    assertThat(Lsn.parse("0/0")).isEqualTo(Lsn.INVALID);
    assertThat(Lsn.INVALID.isValid()).isFalse();
    assertThat(Lsn.parse("1/0").max(Lsn.parse("0/FFFFFFFF"))).isEqualTo(Lsn.parse("1/0"));
    for (String bad : new String[] {"", "12", "/1", "1/", "G/1", "100000000/0", "1/-1"}) {
      assertThatThrownBy(() -> Lsn.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void tableName_quotesOnlyWherePostgresNeedsIt() {
    assertThat(new TableName("public", "orders").sql()).isEqualTo("public.orders");
    assertThat(new TableName("Sales", "Order \"Lines\"").sql()).isEqualTo("\"Sales\".\"Order \"\"Lines\"\"\"");
    assertThat(new TableName("s", "2fa").sql()).isEqualTo("s.\"2fa\"");
    assertThat(new TableName("s", "_x$1").sql()).isEqualTo("s._x$1");
    assertThatThrownBy(() -> new TableName("", "t")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void changeEvent_freezesRelationsInOrder_andNeedsOneUnlessAll() {
    Set<TableName> names = new LinkedHashSet<>(List.of(new TableName("p", "b"), new TableName("p", "a")));
    ChangeEvent e = new ChangeEvent("db", names, false, 1, Lsn.parse("0/1"), Lsn.parse("0/2"), Instant.EPOCH);
    names.clear();
    assertThat(e.relations()).containsExactly(new TableName("p", "b"), new TableName("p", "a"));
    assertThatThrownBy(() -> e.relations().clear()).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> new ChangeEvent("db", Set.of(), false, 1, Lsn.INVALID, Lsn.INVALID, Instant.EPOCH))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(ChangeEvent.everything("db", Instant.EPOCH).allRelations()).isTrue();
  }

  @Test
  void changeEvent_schemaChanged_whenTheDdlTableWasWritten_orNothingWasObserved() {
    Lsn a = Lsn.parse("0/1");
    Lsn b = Lsn.parse("0/2");
    assertThat(new ChangeEvent("db", Set.of(new TableName("public", "t")), false, 1, a, b, Instant.EPOCH)
        .schemaChanged()).isFalse();
    assertThat(new ChangeEvent("db", Set.of(new TableName("public", "t"), DdlTrigger.TABLE), false, 1, a, b,
        Instant.EPOCH).schemaChanged()).isTrue();
    assertThat(new ChangeEvent("db", Set.of(new TableName("public", "ddl_events")), false, 1, a, b, Instant.EPOCH)
        .schemaChanged()).as("a user's table of that name in another schema").isFalse();
    assertThat(ChangeEvent.everything("db", Instant.EPOCH).schemaChanged()).isTrue();
  }

  @Test
  void connectionInfo_buildsReplicationUrl_andNeverShowsThePassword() {
    ConnectionInfo info = new ConnectionInfo("db.example", 6432, "app data", "feeder", "s3cret",
        ConnectionInfo.SslMode.VERIFY_FULL, "/etc/ca.pem");
    assertThat(info.replicationUrl()).isEqualTo("jdbc:postgresql://db.example:6432/app+data"
        + "?replication=database&assumeMinServerVersion=10&preferQueryMode=simple");
    assertThat(info.toString()).doesNotContain("s3cret").contains("feeder:***@db.example:6432/app data")
        .contains("sslmode=verify-full");
    var p = info.properties(Duration.ofSeconds(7), Duration.ofSeconds(30));
    assertThat(p.getProperty("password")).isEqualTo("s3cret");
    assertThat(p.getProperty("sslmode")).isEqualTo("verify-full");
    assertThat(p.getProperty("sslrootcert")).isEqualTo("/etc/ca.pem");
    assertThat(p.getProperty("sslNegotiation")).isNull();
    assertThat(p.getProperty("channelBinding")).isEqualTo("prefer");
    assertThat(p.getProperty("sslcert")).isNull();
    var strict = new ConnectionInfo("db.example", 6432, "d", "feeder", "s3cret", ConnectionInfo.SslMode.REQUIRE, null,
        true, "require", "/etc/client.pem", "/etc/client.key").withPassword("rotated")
        .properties(Duration.ofSeconds(7), Duration.ofSeconds(30));
    assertThat(strict.getProperty("sslNegotiation")).isEqualTo("direct");
    assertThat(strict.getProperty("channelBinding")).isEqualTo("require");
    assertThat(strict.getProperty("sslcert")).isEqualTo("/etc/client.pem");
    assertThat(strict.getProperty("sslkey")).isEqualTo("/etc/client.key");
    assertThat(strict.getProperty("pemKeyAlgorithm")).isEqualTo("RSA"); // the file is missing: pgjdbc's default
    assertThat(p.getProperty("connectTimeout")).isEqualTo("7");
    assertThat(p.getProperty("socketTimeout")).isEqualTo("30");
    assertThat(ConnectionInfo.plain("::1", 5432, "d", "u", null).controlUrl()).isEqualTo("jdbc:postgresql://[::1]:5432/d");
    assertThat(ConnectionInfo.SslMode.parse("Verify-CA")).isEqualTo(ConnectionInfo.SslMode.VERIFY_CA);
    assertThatThrownBy(() -> ConnectionInfo.plain("h", 0, "d", "u", null)).isInstanceOf(IllegalArgumentException.class);
    assertThat(p.getProperty("targetServerType")).as("one host: whatever answers").isNull();
  }

  @Test
  void connectionInfo_withSeveralHosts_listsThemAll_asksForThePrimary_andKeepsThemThroughCopies() {
    ConnectionInfo info = new ConnectionInfo("db1", 5432, "shop", "feeder", "s3cret", ConnectionInfo.SslMode.DISABLE,
        null, false, "prefer", null, null, java.util.List.of("db2:5433", "[::1]:5432"), true)
        .withPassword("rotated").withDatabase("shop2");
    assertThat(info.controlUrl()).isEqualTo("jdbc:postgresql://db1:5432,db2:5433,[::1]:5432/shop2");
    assertThat(info.replicationUrl()).startsWith("jdbc:postgresql://db1:5432,db2:5433,[::1]:5432/shop2?replication=");
    assertThat(info.properties(Duration.ofSeconds(7), Duration.ofSeconds(30)).getProperty("targetServerType"))
        .isEqualTo("primary");
    assertThat(info.toString()).isEqualTo("postgresql://feeder:***@db1:5432,db2:5433,[::1]:5432/shop2?sslmode=disable");
  }

  @Test
  void options_acceptOnlyNamesPostgresTakesUnquoted() {
    assertThat(ChangeFeedOptions.defaults("outpost_eu_west").publication()).isEqualTo("outpost");
    for (String bad : new String[] {"Outpost", "eu-west", "1eu", "", "a".repeat(64)}) {
      assertThatThrownBy(() -> ChangeFeedOptions.defaults(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> ChangeFeedOptions.defaults("s").withReconnect(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ChangeFeedOptions.defaults("s").withMaxUnconfirmedCommits(0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void checkResult_okExactlyWithoutProblems() {
    assertThat(CheckResult.of(List.of(), List.of("w")).ok()).isTrue();
    assertThat(CheckResult.of(List.of("p1", "p2"), List.of()).summary()).isEqualTo("p1\np2");
    assertThatThrownBy(() -> new CheckResult(true, List.of("p"), List.of())).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void backoff_doublesUpToTheCap_andResets() {
    Backoff b = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(1));
    assertThat(List.of(b.next(), b.next(), b.next(), b.next(), b.next())).containsExactly(Duration.ofMillis(200),
        Duration.ofMillis(400), Duration.ofMillis(800), Duration.ofSeconds(1), Duration.ofSeconds(1));
    assertThat(b.attempts()).isEqualTo(5);
    b.reset();
    assertThat(b.next()).isEqualTo(Duration.ofMillis(200));
  }

  @Test
  void feedException_classifiesOutagesAsRetryable_andConfigurationAsPermanent() {
    assertThat(FeedException.classify("x", new SQLException("refused", "08001")).kind)
        .isEqualTo(FeedException.Kind.UNREACHABLE);
    assertThat(FeedException.classify("x", new SQLException("terminating connection", "57P01")).permanent()).isFalse();
    assertThat(FeedException.classify("x", new SQLException("io", (String) null)).kind)
        .isEqualTo(FeedException.Kind.UNREACHABLE);
    FeedException busy = FeedException.classify("starting", new SQLException(
        "ERROR: replication slot \"s\" is active for PID 42\n  Where: x", "55006"));
    assertThat(busy.kind).isEqualTo(FeedException.Kind.SLOT_IN_USE);
    assertThat(busy.getMessage()).contains("in use by another consumer").contains("PID 42").doesNotContain("Where");
    assertThat(FeedException.classify("x", new SQLException("too many", "53300")).kind)
        .isEqualTo(FeedException.Kind.NO_CAPACITY);
    assertThat(FeedException.classify("x", new SQLException("permission denied", "42501")).getMessage())
        .contains("REPLICATION attribute");
    for (String state : new String[] {"28P01", "55000", "3D000", "42704", "53400"}) {
      assertThat(FeedException.classify("x", new SQLException("m", state)).permanent()).as(state).isTrue();
    }
    assertThat(FeedException.classify("x", new SQLException("m", "XX000")).kind).isEqualTo(FeedException.Kind.OTHER);
    assertThat(FeedException.classify("starting", new SQLException(
        "ERROR: can no longer get changes from replication slot \"s\"", "55000")).getMessage()).contains("drop-slot");
  }
}
