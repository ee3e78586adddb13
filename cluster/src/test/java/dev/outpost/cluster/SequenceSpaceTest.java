package dev.outpost.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The (epoch, counter) layout and the coordinator's stamping. */
class SequenceSpaceTest {

  @Test
  void aLaterTerm_isAboveEveryNumberOfAnEarlierOne() {
    long lastOfTerm5 = SequenceSpace.sequence(5, SequenceSpace.MAX_COUNTER);
    long flushOfTerm6 = SequenceSpace.sequence(6, 0);
    long firstOfTerm6 = SequenceSpace.sequence(6, 1);
    assertThat(lastOfTerm5).isLessThan(flushOfTerm6);
    assertThat(flushOfTerm6).isLessThan(firstOfTerm6);
    assertThat(SequenceSpace.sequence(SequenceSpace.MAX_EPOCH, SequenceSpace.MAX_COUNTER)).isPositive();
  }

  @Test
  void parts_roundTrip() {
    long s = SequenceSpace.sequence(12345, 678_910);
    assertThat(SequenceSpace.epoch(s)).isEqualTo(12345);
    assertThat(SequenceSpace.counter(s)).isEqualTo(678_910);
    assertThat(SequenceSpace.format(s)).isEqualTo("12345:678910");
  }

  @Test
  void outOfRangeParts_areRefused() {
    assertThatThrownBy(() -> SequenceSpace.sequence(SequenceSpace.MAX_EPOCH + 1, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SequenceSpace.sequence(0, SequenceSpace.MAX_COUNTER + 1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void sequencer_stampsFromOneInEachTerm_andNothingWhenNotCoordinator() {
    Sequencer s = new Sequencer();
    assertThat(s.next()).isEqualTo(-1);
    s.startTerm(4);
    assertThat(s.next()).isEqualTo(SequenceSpace.sequence(4, 1));
    assertThat(s.next()).isEqualTo(SequenceSpace.sequence(4, 2));
    s.startTerm(9);
    assertThat(s.next()).isEqualTo(SequenceSpace.sequence(9, 1));
    s.stop();
    assertThat(s.next()).isEqualTo(-1);
    assertThat(s.exhausted()).isFalse();
  }

  @Test
  void sequencer_refusesAViewIdBeyondTheEpochRange() {
    Sequencer s = new Sequencer();
    s.startTerm(SequenceSpace.MAX_EPOCH + 1);
    assertThat(s.next()).isEqualTo(-1);
    assertThat(s.exhausted()).isTrue();
  }

  @Test
  void sequencer_stampsEachResubmittedInvalidationOncePerTerm() {
    Sequencer s = new Sequencer();
    s.startTerm(1);
    assertThat(s.firstResubmission("n1/7")).isTrue();
    assertThat(s.firstResubmission("n1/7")).isFalse();
    s.startTerm(2);
    assertThat(s.firstResubmission("n1/7")).isTrue();
  }
}
