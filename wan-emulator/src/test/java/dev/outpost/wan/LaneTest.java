package dev.outpost.wan;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One direction of the link on embedded channels and a mock clock: exact and deterministic. */
class LaneTest {
  private final MockTicker ticker = Ticker.newMockTicker();
  private final EmbeddedChannel source = EmbeddedChannel.builder().ticker(ticker).build();
  private final EmbeddedChannel sink = EmbeddedChannel.builder().ticker(ticker).build();
  private final LongAdder relayed = new LongAdder();

  @AfterEach
  void releaseEverything() {
    source.finishAndReleaseAll();
    sink.finishAndReleaseAll();
  }

  private Lane lane(Duration delay, Duration jitter, RandomGenerator random, long highWater, long lowWater) {
    return new Lane("test", source, sink, new OneWayLatency(delay, jitter), random, highWater, lowWater,
        relayed, Long.MIN_VALUE);
  }

  private Lane lane(Duration delay) {
    return lane(delay, Duration.ZERO, RandomGenerator.of("L64X128MixRandom"), 1 << 20, 1 << 18);
  }

  private void advanceMillis(long millis) {
    ticker.advance(millis, TimeUnit.MILLISECONDS);
    sink.runScheduledPendingTasks();
  }

  private String nextWritten() {
    ByteBuf buf = sink.readOutbound();
    if (buf == null) {
      return null;
    }
    try {
      return buf.toString(US_ASCII);
    } finally {
      buf.release();
    }
  }

  private static ByteBuf text(String s) {
    return Unpooled.copiedBuffer(s, US_ASCII);
  }

  @Test
  void offer_isWrittenOnlyOnceTheDelayHasPassed() {
    Lane lane = lane(Duration.ofMillis(10));
    lane.offer(text("hello"));

    advanceMillis(9);
    assertThat(nextWritten()).isNull();

    advanceMillis(1);
    assertThat(nextWritten()).isEqualTo("hello");
    assertThat(relayed.sum()).isEqualTo(5);
  }

  @Test
  void zeroDelay_writesImmediately() {
    Lane lane = lane(Duration.ZERO);
    lane.offer(text("now"));

    assertThat(nextWritten()).isEqualTo("now");
  }

  @Test
  void chunks_areWrittenOneByOneWithoutBatching() {
    Lane lane = lane(Duration.ofMillis(5));
    lane.offer(text("a"));
    lane.offer(text("b"));
    lane.offer(text("c"));

    advanceMillis(5);
    assertThat(List.of(nextWritten(), nextWritten(), nextWritten())).containsExactly("a", "b", "c");
    assertThat(nextWritten()).isNull();
  }

  @Test
  void laterChunk_isReleasedAtItsOwnDueTime() {
    Lane lane = lane(Duration.ofMillis(10));
    lane.offer(text("first"));
    advanceMillis(4);
    lane.offer(text("second"));

    advanceMillis(6);
    assertThat(nextWritten()).isEqualTo("first");
    assertThat(nextWritten()).isNull();
    advanceMillis(3);
    assertThat(nextWritten()).isNull();
    advanceMillis(1);
    assertThat(nextWritten()).isEqualTo("second");
  }

  @Test
  void jitter_neverReordersChunks() {
    // The first chunk draws the maximum jitter, the second none: the second must still wait.
    Lane lane = lane(Duration.ofMillis(10), Duration.ofMillis(20), new ScriptedRandom(20_000_000L, 0L),
        1 << 20, 1 << 18);
    lane.offer(text("slow"));
    lane.offer(text("fast"));

    advanceMillis(29);
    assertThat(nextWritten()).isNull();
    advanceMillis(1);
    assertThat(List.of(nextWritten(), nextWritten())).containsExactly("slow", "fast");
  }

  @Test
  void notBefore_holdsTheFirstChunkBackForTheHandshake() {
    long notBefore = ticker.nanoTime() + TimeUnit.MILLISECONDS.toNanos(30);
    Lane lane = new Lane("test", source, sink, OneWayLatency.of(Duration.ofMillis(10)),
        RandomGenerator.of("L64X128MixRandom"), 1 << 20, 1 << 18, relayed, notBefore);
    lane.offer(text("startup"));

    advanceMillis(29);
    assertThat(nextWritten()).isNull();
    advanceMillis(1);
    assertThat(nextWritten()).isEqualTo("startup");
  }

  @Test
  void endOfStream_closesTheSinkOnlyAfterTheDataBeforeIt() {
    Lane lane = lane(Duration.ofMillis(10));
    lane.offer(text("last words"));
    lane.endOfStream();

    advanceMillis(9);
    assertThat(sink.isOpen()).isTrue();
    advanceMillis(1);
    assertThat(nextWritten()).isEqualTo("last words");
    assertThat(sink.isOpen()).isFalse();
  }

  @Test
  void inFlightAboveHighWater_pausesTheSourceUntilDelivered() {
    Lane lane = lane(Duration.ofMillis(10), Duration.ZERO, RandomGenerator.of("L64X128MixRandom"), 8, 4);
    source.config().setAutoRead(true);
    lane.offer(text("12345"));
    assertThat(source.config().isAutoRead()).isTrue();

    lane.offer(text("6789"));
    assertThat(lane.inFlightBytes()).isEqualTo(9);
    assertThat(source.config().isAutoRead()).isFalse();

    advanceMillis(10);
    assertThat(lane.inFlightBytes()).isZero();
    assertThat(source.config().isAutoRead()).isTrue();
    assertThat(List.of(nextWritten(), nextWritten())).containsExactly("12345", "6789");
  }

  @Test
  void sinkClosed_releasesEveryChunkInFlight() {
    Lane lane = lane(Duration.ofMillis(10));
    ByteBuf a = text("a");
    ByteBuf b = text("b");
    lane.offer(a);
    lane.offer(b);

    lane.sinkClosed();

    assertThat(a.refCnt()).isZero();
    assertThat(b.refCnt()).isZero();
    advanceMillis(10);
    assertThat(nextWritten()).isNull();
  }

  @Test
  void offer_afterTheSinkClosed_releasesTheData() {
    Lane lane = lane(Duration.ofMillis(10));
    lane.sinkClosed();
    ByteBuf late = text("late");

    lane.offer(late);

    assertThat(late.refCnt()).isZero();
  }

  @Test
  void offer_afterEndOfStream_releasesTheData() {
    Lane lane = lane(Duration.ofMillis(10));
    lane.endOfStream();
    ByteBuf late = text("late");

    lane.offer(late);

    assertThat(late.refCnt()).isZero();
  }

  /** Returns the given jitter samples in order (each must lie within the requested bound). */
  private static final class ScriptedRandom implements RandomGenerator {
    private final ArrayDeque<Long> samples = new ArrayDeque<>();

    ScriptedRandom(long... samples) {
      for (long s : samples) {
        this.samples.add(s);
      }
    }

    @Override
    public long nextLong() {
      throw new UnsupportedOperationException("only bounded samples are scripted");
    }

    @Override
    public long nextLong(long bound) {
      long sample = samples.removeFirst();
      assertThat(sample).isBetween(0L, bound - 1);
      return sample;
    }
  }
}
