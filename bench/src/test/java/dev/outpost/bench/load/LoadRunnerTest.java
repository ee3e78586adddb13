package dev.outpost.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** In-memory workers only: counts and lower bounds, never how fast anything was. */
class LoadRunnerTest {
  private static final Duration LONG = Duration.ofSeconds(60);

  @Test
  void closedLoop_recordsExactlyTheMeasuredOperations_notTheWarmUp() throws Exception {
    AtomicLong executed = new AtomicLong();
    LoadSpec spec = new LoadSpec(2, LONG, 7, LONG, 50, 0);

    LoadResult r = LoadRunner.run(spec, i -> seq -> {
      executed.incrementAndGet();
      return null;
    });

    assertThat(r.ops()).isEqualTo(50);
    assertThat(r.latency().getTotalCount()).isEqualTo(50);
    assertThat(executed.get()).isEqualTo(57);
    assertThat(r.errors()).isZero();
    assertThat(r.aborted()).isFalse();
    assertThat(r.elapsedNanos()).isPositive();
    assertThat(r.mode()).isEqualTo("closed loop, 2 clients");
  }

  @Test
  void kinds_areRecordedSeparatelyAndAddUpToTheTotal() throws Exception {
    LoadResult r = LoadRunner.run(new LoadSpec(1, LONG, 0, LONG, 30, 0),
        i -> seq -> seq % 3 == 0 ? "write" : "read");

    assertThat(r.byKind()).containsOnlyKeys("read", "write");
    assertThat(r.byKind().get("write").getTotalCount()).isEqualTo(10);
    assertThat(r.byKind().get("read").getTotalCount()).isEqualTo(20);
  }

  @Test
  void failingEndpoint_countsErrorsAndStopsEarly() throws Exception {
    LoadResult r = LoadRunner.run(new LoadSpec(2, Duration.ZERO, 0, LONG, 1_000_000, 0), i -> seq -> {
      throw new java.sql.SQLException("connection refused", "08001");
    });

    assertThat(r.ops()).isZero();
    assertThat(r.errors()).isGreaterThan(100);
    assertThat(r.aborted()).isTrue();
    assertThat(r.firstError()).isEqualTo("connection refused (SQLSTATE 08001)");
  }

  @Test
  void workerThatCannotOpen_abortsWithTheReason() throws Exception {
    LoadResult r = LoadRunner.run(new LoadSpec(3, Duration.ZERO, 0, LONG, 100, 0), i -> {
      if (i == 1) {
        throw new IllegalStateException("pool exhausted");
      }
      return seq -> null;
    });

    assertThat(r.aborted()).isTrue();
    assertThat(r.firstError()).contains("could not open client 1").contains("pool exhausted");
  }

  @Test
  void openLoop_chargesAStallToEveryOperationItHeldUp() throws Exception {
    // 100 ops/s, one client; operation 5 stalls for 300 ms. Operations 6..25 were scheduled at
    // 60..250 ms but cannot start before 350 ms, so each waited at least 100 ms. A closed loop
    // would have recorded a single slow operation.
    LoadSpec spec = new LoadSpec(1, Duration.ZERO, 0, LONG, 40, 100);

    LoadResult r = LoadRunner.run(spec, i -> seq -> {
      if (seq == 5) {
        Thread.sleep(300);
      }
      return null;
    });

    long slow = r.ops() - r.latency().getCountBetweenValues(0, 99_999_999);
    assertThat(r.ops()).isEqualTo(40);
    assertThat(slow).isGreaterThanOrEqualTo(21);
    assertThat(r.mode()).isEqualTo("open loop at 100 ops/s, 1 client");
  }

  @Test
  void openLoop_neverStartsAnOperationBeforeItsScheduledTime() throws Exception {
    AtomicLong start = new AtomicLong();
    AtomicLong lastSeen = new AtomicLong();
    LoadSpec spec = new LoadSpec(2, Duration.ZERO, 0, LONG, 20, 50);

    LoadRunner.run(spec, i -> seq -> {
      start.compareAndSet(0, System.nanoTime());
      lastSeen.accumulateAndGet(System.nanoTime(), Math::max);
      return null;
    });

    // 20 operations at 50/s: the last is scheduled 380 ms after the first.
    assertThat(lastSeen.get() - start.get()).isGreaterThanOrEqualTo(370_000_000L);
  }

  @Test
  void hungOperation_isGivenUpOnAfterTheBudget_andTheOthersStillCount() throws Exception {
    java.util.concurrent.CountDownLatch never = new java.util.concurrent.CountDownLatch(1);
    LoadSpec spec = new LoadSpec(2, Duration.ZERO, 0, Duration.ofMillis(200), 1_000_000, 0);
    try {
      LoadResult r = LoadRunner.run(spec, i -> seq -> {
        if (i == 1) {
          never.await(); // an endpoint that stops answering one client
        }
        return null;
      }, 0, TimeUnit.SECONDS.toNanos(1));

      assertThat(r.aborted()).isTrue();
      assertThat(r.firstError()).startsWith("1 of 2 clients were still blocked in an operation 1 s after");
      assertThat(r.ops()).isPositive(); // client 0 finished and its operations are kept
    } finally {
      never.countDown();
    }
  }

  @Test
  void plus_mergesRoundsOfTheSameEndpoint() throws Exception {
    LoadSpec spec = new LoadSpec(1, Duration.ZERO, 0, LONG, 10, 0);
    LoadResult a = LoadRunner.run(spec, i -> seq -> "read");
    LoadResult b = LoadRunner.run(spec, i -> seq -> "read");

    LoadResult both = a.plus(b);

    assertThat(both.ops()).isEqualTo(20);
    assertThat(both.latency().getTotalCount()).isEqualTo(20);
    assertThat(both.byKind().get("read").getTotalCount()).isEqualTo(20);
    assertThat(both.elapsedNanos()).isEqualTo(a.elapsedNanos() + b.elapsedNanos());
    assertThat(a.ops()).isEqualTo(10);
  }
}
