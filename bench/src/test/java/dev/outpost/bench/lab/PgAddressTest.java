package dev.outpost.bench.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PgAddressTest {

  @Test
  void parse_readsEveryPart() {
    PgAddress a = PgAddress.parse("postgresql://app:secret@10.0.0.5:6543/shop");

    assertThat(a).isEqualTo(new PgAddress("10.0.0.5", 6543, "shop", "app", "secret"));
  }

  @Test
  void parse_defaultsPortAndDatabaseLikeLibpq() {
    PgAddress a = PgAddress.parse("postgres://app@db.example");

    assertThat(a.port()).isEqualTo(5432);
    assertThat(a.database()).isEqualTo("app");
    assertThat(a.password()).isNull();
  }

  @Test
  void url_percentEncodesAndParseDecodes() {
    PgAddress a = new PgAddress("127.0.0.1", 5432, "db", "app", "p@ss:w/rd %");

    assertThat(PgAddress.parse(a.url())).isEqualTo(a);
  }

  @Test
  void toString_masksThePassword() {
    assertThat(new PgAddress("h", 1, "d", "u", "pw").toString()).isEqualTo("postgresql://u:***@h:1/d");
  }

  @Test
  void parse_rejectsOtherSchemesWithoutEchoingThePassword() {
    assertThatThrownBy(() -> PgAddress.parse("mysql://u:topsecret@h/db"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining("topsecret");
  }

  @Test
  void at_keepsLoginAndDatabase() {
    PgAddress a = new PgAddress("h", 1, "d", "u", "pw").at("127.0.0.1", 9);

    assertThat(a).isEqualTo(new PgAddress("127.0.0.1", 9, "d", "u", "pw"));
  }
}
