package dev.outpost.bench.soak;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The soak's verdict: which errors a fault explains, and what fails a run. */
class SoakTallyTest {

  @Test
  void errorsThatFaultsExplain_areExpected_protocolAndPoolingErrorsAreNot() {
    assertThat(SoakTally.expectedUnderFaults("08006")).isTrue();
    assertThat(SoakTally.expectedUnderFaults("08003")).isTrue();
    assertThat(SoakTally.expectedUnderFaults("57P01")).isTrue();
    assertThat(SoakTally.expectedUnderFaults("57P03")).isTrue();
    assertThat(SoakTally.expectedUnderFaults("57014")).isTrue();
    assertThat(SoakTally.expectedUnderFaults("08P01")).as("the node lost track of the protocol").isFalse();
    assertThat(SoakTally.expectedUnderFaults("26000")).as("a prepared statement lost by the pool").isFalse();
    assertThat(SoakTally.expectedUnderFaults("42P05")).as("a prepared statement created twice").isFalse();
    assertThat(SoakTally.expectedUnderFaults("XX000")).isFalse();
    assertThat(SoakTally.expectedUnderFaults("53300")).isFalse();
    assertThat(SoakTally.expectedUnderFaults(null)).isFalse();
  }

  @Test
  void onlyExpectedErrors_pass() {
    SoakTally t = new SoakTally();
    t.succeeded("read", 1_000_000);
    t.failed(1, "read", new SQLException("FATAL: terminating connection due to administrator command", "57P01"), 5);
    t.failed(2, "read", new SQLException("could not connect to the origin 127.0.0.1:5432", "08006"), 5);
    t.failed(3, "read", new SQLException("could not connect to the origin 127.0.0.1:6543", "08006"), 5);

    assertThat(t.passed()).isTrue();
    assertThat(t.errors()).isEqualTo(3);
    assertThat(t.errorsByKind()).containsEntry("08006  could not connect to the origin N.N.N.N:N", 2L)
        .containsEntry("57P01  FATAL: terminating connection due to administrator command", 1L);
    assertThat(t.errorsByKind().keySet()).first().asString().startsWith("08006"); // most frequent first
  }

  @Test
  void aStaleRead_anUnexpectedError_aHungOperation_andOtherProblems_eachFailTheRun() {
    SoakTally stale = new SoakTally();
    stale.stale(4, "own row 1004 (read-your-writes)", 6, 7, "the origin holds 7 now");
    assertThat(stale.passed()).isFalse();
    assertThat(stale.problems()).singleElement().asString()
        .contains("1 stale read(s)", "client 4", "read 6 after 7 was committed (the origin holds 7 now)");

    SoakTally desync = new SoakTally();
    desync.failed(2, "read", new SQLException("Outpost lost track of the protocol state", "08P01"), 5);
    assertThat(desync.passed()).isFalse();
    assertThat(desync.unexpectedErrors()).isEqualTo(1);
    assertThat(desync.problems()).singleElement().asString().contains("unexpected error", "08P01");

    SoakTally hung = new SoakTally();
    hung.hung(0, "aggregate", Duration.ofSeconds(31));
    assertThat(hung.problems()).singleElement().asString().contains("over the time bound", "31000 ms");

    SoakTally other = new SoakTally();
    other.problem("client 3 did not finish");
    assertThat(other.passed()).isFalse();
  }

  @Test
  void examplesAreBounded_countsAreNot() {
    SoakTally t = new SoakTally();
    for (int i = 0; i < 50; i++) {
      t.stale(i, "row", 1, 2, "the origin holds 2 now");
    }
    assertThat(t.staleReads()).isEqualTo(50);
    assertThat(t.problems().get(0).split("; ")).hasSize(SoakTally.EXAMPLES);
  }
}
