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
    CompletableFuture<String> a = pool.trySubmit(40, () -> "a", () -> false);
    CompletableFuture<String> b = pool.trySubmit(60, () -> "b", () -> false);
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
  void overTheBudget_theTextIsNotHandedOver_andWaitsForRoom_untilATextFinishes() throws Exception {
    HeldExecutor ex = new HeldExecutor();
    TextAnalysisPool pool = new TextAnalysisPool(ex, 100);
    CompletableFuture<String> first = pool.trySubmit(70, () -> "first", () -> false);
    assertThat(pool.<String>trySubmit(31, () -> "second", () -> false)).as("70 + 31 > 100").isNull();
    assertThat(ex.queued).hasSize(1);

    CompletableFuture<Void> room = pool.whenRoom();
    assertThat(room).isNotDone();
    assertThat(pool.load()).isEqualTo(new TextAnalysisLoad(70, 1, 1, 0));

    ex.runNext();
    assertThat(first.get()).isEqualTo("first");
    assertThat(room).isDone();
    assertThat(pool.load().waitingClients()).isZero();
    CompletableFuture<String> second = pool.trySubmit(31, () -> "second", () -> false);
    assertThat(second).isNotNull();
    ex.runNext();
    assertThat(second.get()).isEqualTo("second");
  }

  @Test
  void aTextLongerThanTheWholeBudget_doesNotFit_andIsNeverHandedOver() {
    HeldExecutor ex = new HeldExecutor();
    TextAnalysisPool pool = new TextAnalysisPool(ex, 100);
    assertThat(pool.fits(100)).isTrue();
    assertThat(pool.fits(101)).isFalse();
    assertThatThrownBy(() -> pool.trySubmit(101, () -> "huge", () -> false))
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
  void whenRoom_withNothingInFlight_isDoneAtOnce() {
    TextAnalysisPool pool = new TextAnalysisPool(new HeldExecutor(), 100);
    assertThat(pool.whenRoom()).isDone();
    assertThat(pool.load().waits()).as("no wait happened").isZero();
  }

  @Test
  void theTextOfAClientThatHasGone_isSkipped_andFreesItsShare() throws Exception {
    HeldExecutor ex = new HeldExecutor();
    TextAnalysisPool pool = new TextAnalysisPool(ex, 100);
    AtomicInteger analysed = new AtomicInteger();
    boolean[] gone = {false};
    CompletableFuture<String> abandoned = pool.trySubmit(100, () -> {
      analysed.incrementAndGet();
      return "analysed";
    }, () -> gone[0]);
    CompletableFuture<Void> room = pool.whenRoom();
    gone[0] = true; // the client disconnects while its text is queued
    ex.runNext();
    assertThat(abandoned.get()).isNull();
    assertThat(analysed).hasValue(0);
    assertThat(room).isDone();
    assertThat(pool.load()).isEqualTo(new TextAnalysisLoad(0, 0, 1, 1));
  }

  @Test
  void aFailedAnalysis_completesExceptionally_andFreesItsShare() {
    HeldExecutor ex = new HeldExecutor();
    TextAnalysisPool pool = new TextAnalysisPool(ex, 100);
    CompletableFuture<String> failed = pool.trySubmit(100, () -> {
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
    CompletableFuture<String> refused = pool.trySubmit(100, () -> "never", () -> false);
    assertThat(refused).isCompletedExceptionally();
    assertThat(pool.load().chars()).isZero();
    assertThat(pool.<String>trySubmit(100, () -> "x", () -> false)).isNotNull();
  }

  @Test
  void aBudgetBelowOne_isRefused() {
    assertThatThrownBy(() -> new TextAnalysisPool(Runnable::run, 0)).isInstanceOf(IllegalArgumentException.class);
  }
}
