package dev.outpost.bench.soak;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CommitHistoryTest {
  @Test
  void nothingAcknowledged_isZero() {
    CommitHistory h = new CommitHistory(2);
    assertThat(h.acknowledgedBy(0, 1_000)).isZero();
    assertThat(h.acknowledgedBy(1, Long.MAX_VALUE / 2)).isZero();
  }

  @Test
  void theCutOffSelectsTheLastCommitAcknowledgedAtOrBeforeIt() {
    CommitHistory h = new CommitHistory(1);
    h.acknowledged(0, 1, 100);
    h.acknowledged(0, 2, 200);
    h.acknowledged(0, 3, 300);

    assertThat(h.acknowledgedBy(0, 99)).isZero();
    assertThat(h.acknowledgedBy(0, 100)).isEqualTo(1);
    assertThat(h.acknowledgedBy(0, 250)).isEqualTo(2);
    assertThat(h.acknowledgedBy(0, 10_000)).isEqualTo(3);
  }

  @Test
  void clientsAreKeptApart() {
    CommitHistory h = new CommitHistory(2);
    h.acknowledged(0, 7, 100);
    assertThat(h.acknowledgedBy(1, 1_000)).isZero();
    assertThat(h.acknowledgedBy(0, 1_000)).isEqualTo(7);
  }

  @Test
  void aValueNeverGoesDown_evenWhenAcknowledgementsAreRecordedOutOfOrder() {
    CommitHistory h = new CommitHistory(1);
    h.acknowledged(0, 5, 100);
    h.acknowledged(0, 4, 200); // cannot happen for one writer; the history must not lower what is known
    assertThat(h.acknowledgedBy(0, 300)).isEqualTo(5);
  }

  @Test
  void aCutOffOlderThanWhatIsKept_isNotJudged() {
    CommitHistory h = new CommitHistory(1);
    for (int i = 1; i <= CommitHistory.KEPT + 10; i++) {
      h.acknowledged(0, i, 1_000L * i);
    }
    assertThat(h.acknowledgedBy(0, 500)).isEqualTo(-1);
    assertThat(h.acknowledgedBy(0, 1_000L * 20)).isEqualTo(20);
    assertThat(h.acknowledgedBy(0, Long.MAX_VALUE / 2)).isEqualTo(CommitHistory.KEPT + 10);
  }
}
