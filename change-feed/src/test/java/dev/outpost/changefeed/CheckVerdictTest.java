package dev.outpost.changefeed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which failures of the start-up check say nothing of what the origin supports. */
class CheckVerdictTest {
  @Test
  void anOriginThatCouldNotAnswer_isNotJudged() {
    assertThat(ChangeFeed.couldNotAnswer(new SQLException("Connection refused", "08001"))).isTrue();
    assertThat(ChangeFeed.couldNotAnswer(new SQLException("the database system is starting up", "57P03"))).isTrue();
    assertThat(ChangeFeed.couldNotAnswer(new SQLException("terminating connection due to administrator command",
        "57P01"))).as("a fast shutdown or pg_terminate_backend during the check").isTrue();
    assertThat(ChangeFeed.couldNotAnswer(new SQLException("too many connections for role", "53300"))).isTrue();
    assertThat(ChangeFeed.couldNotAnswer(new SQLException("no state"))).isTrue();
  }

  @Test
  void anOriginThatAnsweredNo_isJudged() {
    assertThat(ChangeFeed.couldNotAnswer(new SQLException("password authentication failed", "28P01"))).isFalse();
    assertThat(ChangeFeed.couldNotAnswer(new SQLException("database does not exist", "3D000"))).isFalse();
    assertThat(ChangeFeed.couldNotAnswer(new SQLException("must be superuser or replication role", "42501"))).isFalse();
  }

  @Test
  void aCheckTheOriginDidNotAnswer_cannotHavePassed() {
    CheckResult r = CheckResult.notJudged("cannot connect to the origin x: Connection refused", List.of());
    assertThat(r.ok()).isFalse();
    assertThat(r.judged()).isFalse();
    assertThat(CheckResult.of(List.of(), List.of()).judged()).isTrue();
    assertThatThrownBy(() -> new CheckResult(true, List.of(), List.of(), false))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
