package dev.outpost.changefeed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class AckTrackerTest {

  private static final Instant T1 = Instant.parse("2025-01-01T00:00:01Z");
  private static final Instant T2 = Instant.parse("2025-01-01T00:00:02Z");
  private static final Instant T3 = Instant.parse("2025-01-01T00:00:03Z");

  private final AckTracker acks = new AckTracker();

  @Test
  void advance_stopsAtTheFirstUndeliveredCommit_evenWhenLaterOnesCompletedFirst() {
    AckTracker.Entry a = acks.add(Lsn.parse("0/100"), T1, true, 2);
    AckTracker.Entry b = acks.add(Lsn.parse("0/200"), T2, true, 1);
    AckTracker.Entry c = acks.add(Lsn.parse("0/300"), T3, true, 1);
    c.complete(null);
    b.complete(null);
    assertThat(acks.advance()).isNull();
    assertThat(acks.oldestCommitTime()).isEqualTo(T1);

    a.complete(null);
    assertThat(acks.advance()).isEqualTo(new AckTracker.Progress(Lsn.parse("0/300"), T3, 3, 4));
    assertThat(acks.size()).isZero();
    assertThat(acks.oldestCommitTime()).isNull();
  }

  @Test
  void advance_movesPastCommitsWithoutEvents_butCountsOnlyEvents() {
    acks.add(Lsn.parse("0/100"), T1, false, 0).complete(null);
    AckTracker.Entry b = acks.add(Lsn.parse("0/200"), T2, true, 1);
    assertThat(acks.advance()).isEqualTo(new AckTracker.Progress(Lsn.parse("0/100"), T1, 0, 0));
    b.complete(null);
    assertThat(acks.advance()).isEqualTo(new AckTracker.Progress(Lsn.parse("0/200"), T2, 1, 1));
  }

  @Test
  void failedDelivery_blocksAdvanceAndIsReported() {
    AckTracker.Entry a = acks.add(Lsn.parse("0/100"), T1, true, 1);
    acks.add(Lsn.parse("0/200"), T2, true, 1).complete(null);
    IllegalStateException boom = new IllegalStateException("bus down");
    a.complete(boom);
    a.complete(null); // a late second outcome does not overwrite the first
    assertThat(acks.advance()).isNull();
    assertThat(acks.headFailure()).isSameAs(boom);
  }

  @Test
  void add_rejectsCommitsOutOfOrder() {
    acks.add(Lsn.parse("0/200"), T1, true, 1);
    assertThatThrownBy(() -> acks.add(Lsn.parse("0/100"), T2, true, 1)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void add_acceptsAnEventAtTheSamePosition() {
    acks.add(Lsn.INVALID, T1, true, 0).complete(null);
    acks.add(Lsn.INVALID, T2, true, 0);
    assertThat(acks.advance()).isEqualTo(new AckTracker.Progress(Lsn.INVALID, T1, 1, 0));
  }
}
