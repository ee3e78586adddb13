package dev.outpost.proxy.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.proxy.metrics.TextAnalysisLoad;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TextAnalysisPoolTest {
  /** Runs nothing until told: the queue of an executor whose threads are all busy. */
  private static final class HeldExecutor implements Executor {
    final ArrayDeque<Runnable> queued = new ArrayDeque<>();

    @Override
    public void execute(Runnable task) {
      queued.addLast(task);
    }

    void runNext() {
      queued.removeFirst().run();
    }
  }

  @Test
  void textsWithinTheBudget_areHandedOver_andTheirResultsReturned() throws Exception {
    HeldExecutor ex = new HeldExecutor();
    TextAnalysisPool pool = new TextAnalysisPool(ex, 100);
    CompletableFuture<String> a = pool.submit(40, () -> "a", () -> false);
    CompletableFuture<String> b = pool.submit(60, () -> "b", () -> false);
    assertThat(a).isNotNull();
    assertThat(b).isNotNull();
    assertThat(ex.queued).hasSize(2);
    assertThat(pool.load()).isEqualTo(new TextAnalysisLoad(100, 0, 0, 0));
    ex.runNext();
    ex.runNext();
    assertThat(a.get()).isEqualTo("a");
    assertThat(b.get()).isEqualTo("b");
    assertThat(pool.load().chars()).isZero();
  }

  @Test
  void overTheBudget_theTextWaitsInTheQueue_untilATextFinishes() throws Exception {
    HeldExecutor ex = new HeldExecutor();
    TextAnalysisPool pool = new TextAnalysisPool(ex, 100);
    CompletableFuture<String> first = pool.submit(70, () -> "first", () -> false);
    CompletableFuture<String> second = pool.submit(31, () -> "second", () -> false);
    assertThat(ex.queued).as("70 + 31 > 100: not handed over").hasSize(1);
    assertThat(second).isNotDone();
    assertThat(pool.load()).isEqualTo(new TextAnalysisLoad(70, 1, 1, 0));

    ex.runNext();
    assertThat(first.get()).isEqualTo("first");
    assertThat(ex.queued).as("handed over once there was room").hasSize(1);
    assertThat(pool.load()).isEqualTo(new TextAnalysisLoad(31, 0, 1, 0));
    ex.runNext();
    assertThat(second.get()).isEqualTo("second");
    assertThat(pool.load().chars()).isZero();
  }

  @Test
  void queuedTexts_goInTheOrderTheyCame_aLongOneIsNotOvertakenByShortOnesThatWouldFit() throws Exception {
    HeldExecutor ex = new HeldExecutor();
    TextAnalysisPool pool = new TextAnalysisPool(ex, 100);
    java.util.List<String> order = new java.util.ArrayList<>();
    pool.submit(60, () -> order.add("a"), () -> false);
    CompletableFuture<Boolean> longOne = pool.submit(90, () -> order.add("long"), () -> false);
    CompletableFuture<Boolean> shortOne = pool.submit(10, () -> order.add("short"), () -> false);
    assertThat(ex.queued).as("the short one fits beside a, but the long one came first").hasSize(1);
    assertThat(pool.load().waitingClients()).isEqualTo(2);

    ex.runNext(); // a finishes: the long one fits (90), then the short one (100)
    assertThat(ex.queued).hasSize(2);
    ex.runNext();
    ex.runNext();
    assertThat(longOne.get()).isTrue();
    assertThat(shortOne.get()).isTrue();
    assertThat(order).containsExactly("a", "long", "short");
    assertThat(pool.load()).isEqualTo(new TextAnalysisLoad(0, 0, 2, 0));
  }

  @Test
  void aQueuedTextWhoseClientHasGone_isSkippedWithoutTakingAShare() throws Exception {
    HeldExecutor ex = new HeldExecutor();
    TextAnalysisPool pool = new TextAnalysisPool(ex, 100);
    pool.submit(100, () -> "first", () -> false);
    boolean[] gone = {false};
    AtomicInteger analysed = new AtomicInteger();
    CompletableFuture<String> leaver = pool.submit(100, () -> {
      analysed.incrementAndGet();
      return "leaver";
    }, () -> gone[0]);
    CompletableFuture<String> next = pool.submit(100, () -> "next", () -> false);
    gone[0] = true;

    ex.runNext(); // first finishes: the leaver is skipped in the queue, the next one goes
    assertThat(leaver.get()).isNull();
    assertThat(analysed).hasValue(0);
    assertThat(ex.queued).hasSize(1);
    ex.runNext();
    assertThat(next.get()).isEqualTo("next");
    assertThat(pool.load()).isEqualTo(new TextAnalysisLoad(0, 0, 2, 1));
  }

  @Test
  void aTextLongerThanTheWholeBudget_doesNotFit_andIsNeverHandedOver() {
    HeldExecutor ex = new HeldExecutor();
    TextAnalysisPool pool = new TextAnalysisPool(ex, 100);
    assertThat(pool.fits(100)).isTrue();
    assertThat(pool.fits(101)).isFalse();
    assertThatThrownBy(() -> pool.submit(101, () -> "huge", () -> false))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(ex.queued).isEmpty();
    assertThat(pool.load().chars()).isZero();
  }

  @Test
  void theDefaultBudget_isAQuarterOfTheHeap_atTheMeasuredCostPerCharacter_andAtLeastOneMebichar() {
    assertThat(TextAnalysisPool.defaultBudgetChars(4L << 30))
        .isEqualTo((4L << 30) / 4 / TextAnalysisPool.ANALYSIS_BYTES_PER_CHAR);
    assertThat(TextAnalysisPool.defaultBudgetChars(64L << 20)).isEqualTo(1L << 20);
  }

  @Test
  void theTextOfAClientThatHasGone_isSkipped_andFreesItsShare() throws Exception {
    HeldExecutor ex = new HeldExecutor();
    TextAnalysisPool pool = new TextAnalysisPool(ex, 100);
    AtomicInteger analysed = new AtomicInteger();
    boolean[] gone = {false};
    CompletableFuture<String> abandoned = pool.submit(100, () -> {
      analysed.incrementAndGet();
      return "analysed";
    }, () -> gone[0]);
    gone[0] = true; // the client disconnects while its text is in the executor's queue
    ex.runNext();
    assertThat(abandoned.get()).isNull();
    assertThat(analysed).hasValue(0);
    assertThat(pool.load()).isEqualTo(new TextAnalysisLoad(0, 0, 0, 1));
  }

  @Test
  void aFailedAnalysis_completesExceptionally_andFreesItsShare() {
    HeldExecutor ex = new HeldExecutor();
    TextAnalysisPool pool = new TextAnalysisPool(ex, 100);
    CompletableFuture<String> failed = pool.submit(100, () -> {
      throw new IllegalStateException("lexer bug");
    }, () -> false);
    ex.runNext();
    assertThatThrownBy(failed::get).isInstanceOf(ExecutionException.class).hasRootCauseMessage("lexer bug");
    assertThat(pool.load().chars()).isZero();
  }

  @Test
  void anExecutorThatRefuses_failsTheFuture_andFreesItsShare() {
    TextAnalysisPool pool = new TextAnalysisPool(task -> {
      throw new RejectedExecutionException("shut down");
    }, 100);
    CompletableFuture<String> refused = pool.submit(100, () -> "never", () -> false);
    assertThat(refused).isCompletedExceptionally();
    assertThat(pool.load().chars()).isZero();
    assertThat(pool.load().waitingClients()).isZero();
    assertThat(pool.<String>submit(100, () -> "x", () -> false)).isCompletedExceptionally();
  }

  @Test
  void aBudgetBelowOne_isRefused() {
    assertThatThrownBy(() -> new TextAnalysisPool(Runnable::run, 0)).isInstanceOf(IllegalArgumentException.class);
  }
}
