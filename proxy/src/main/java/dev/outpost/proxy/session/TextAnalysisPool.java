package dev.outpost.proxy.session;

import dev.outpost.proxy.metrics.TextAnalysisLoad;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Where sessions analyse statement texts too long for their event loop (see
 * {@link ClientSession#LONG_TEXT}), within a budget of characters.
 *
 * <p>A text is handed to the executor only while the texts already handed over (queued or being
 * analysed) leave room for it in the budget. Over the budget, it waits in a queue, in the order
 * texts came — a long text is not overtaken by shorter ones that would fit — holding no share of
 * the budget; its session holds nothing but its own pending message meanwhile. A text whose
 * session has gone by the time its turn comes is skipped, not analysed. A text longer than the
 * whole budget is not analysed at all ({@link #fits}): the session refuses it with SQLSTATE 54000,
 * because analysing it could exhaust the heap — classification holds about
 * {@value #ANALYSIS_BYTES_PER_CHAR} bytes per character of text while it runs (measured on a
 * multi-row VALUES list, the densest kind of text). So however many clients send long texts — or
 * send one and disconnect, again and again — the node holds at most about the budget in texts
 * decoded for analysis, and the work of clients that left does not delay the others.
 *
 * <p>Thread-safe: sessions submit from their event loops, the executor's threads finish.
 */
public final class TextAnalysisPool {
  /** Heap that classifying one character of text may hold at its peak, in bytes (measured). */
  public static final int ANALYSIS_BYTES_PER_CHAR = 50;

  private final Executor executor;
  private final long budgetChars;
  private final Object lock = new Object();
  /** Characters of the texts handed to the executor and not finished. Guarded by lock. */
  private long inFlightChars;
  /** Texts waiting for room in the budget, in the order they came. Guarded by lock. */
  private final ArrayDeque<Queued> waiting = new ArrayDeque<>();
  /** Counted under lock, read by metrics. */
  private long waits;
  private long skipped;

  /** A text waiting for room: how to hand it over, or to answer it when its session has gone. */
  private record Queued(int chars, BooleanSupplier abandoned, Runnable start, Runnable skip) {}

  /**
   * The default budget for a heap of {@code maxHeapBytes}: texts in analysis may hold a quarter of
   * it, and never less than 1 Mi characters.
   */
  public static long defaultBudgetChars(long maxHeapBytes) {
    return Math.max(1L << 20, maxHeapBytes / 4 / ANALYSIS_BYTES_PER_CHAR);
  }

  /**
   * @param executor runs the analyses (its queue holds at most the budget's worth of texts)
   * @param budgetChars characters that may be handed over at once, and the longest text analysed
   */
  public TextAnalysisPool(Executor executor, long budgetChars) {
    this.executor = Objects.requireNonNull(executor, "executor");
    if (budgetChars < 1) {
      throw new IllegalArgumentException("text-analysis budget must be positive: " + budgetChars);
    }
    this.budgetChars = budgetChars;
  }

  /**
   * Analyses {@code work}, a text of {@code chars} characters, and returns its result: handed to
   * the executor at once when the budget has room and no text waits before it, else queued and
   * handed over in the order texts came, as texts finish and make room. When its turn comes and
   * {@code abandoned} says the session has gone, the work is skipped and the future completes with
   * null.
   *
   * @throws IllegalArgumentException when the text is longer than the whole budget (see {@link #fits})
   */
  <T> CompletableFuture<T> submit(int chars, Supplier<T> work, BooleanSupplier abandoned) {
    if (!fits(chars)) {
      throw new IllegalArgumentException(
          "a text of " + chars + " characters is over the whole budget of " + budgetChars);
    }
    CompletableFuture<T> result = new CompletableFuture<>();
    Queued text = new Queued(chars, abandoned, () -> handOver(chars, work, abandoned, result),
        () -> result.complete(null));
    synchronized (lock) {
      if (!waiting.isEmpty() || inFlightChars + chars > budgetChars) {
        waits++;
        waiting.addLast(text); // behind those that came first, even if it would fit now
        return result;
      }
      inFlightChars += chars;
    }
    text.start().run();
    return result;
  }

  private <T> void handOver(int chars, Supplier<T> work, BooleanSupplier abandoned, CompletableFuture<T> result) {
    try {
      executor.execute(() -> {
        try {
          if (abandoned.getAsBoolean()) {
            synchronized (lock) {
              skipped++;
            }
            result.complete(null);
          } else {
            result.complete(work.get());
          }
        } catch (Throwable t) {
          result.completeExceptionally(t);
        } finally {
          finished(chars);
        }
      });
    } catch (RuntimeException rejected) { // the executor was shut down with the node
      finished(chars);
      result.completeExceptionally(rejected);
    }
  }

  /** Gives back a finished text's share and hands over the queued texts that now fit, in order. */
  private void finished(int chars) {
    List<Runnable> next = new ArrayList<>();
    synchronized (lock) {
      inFlightChars -= chars;
      Queued head;
      while ((head = waiting.peekFirst()) != null) {
        if (head.abandoned().getAsBoolean()) {
          waiting.pollFirst(); // its session has gone: never takes a share, delays no one
          skipped++;
          next.add(head.skip());
        } else if (inFlightChars + head.chars() <= budgetChars) {
          waiting.pollFirst();
          inFlightChars += head.chars();
          next.add(head.start());
        } else {
          break;
        }
      }
    }
    next.forEach(Runnable::run);
  }

  /** Whether a text of {@code length} characters (or bytes, an upper bound) may be analysed at all. */
  public boolean fits(long length) {
    return length <= budgetChars;
  }

  /** The pool's load now, for the metrics. */
  public TextAnalysisLoad load() {
    synchronized (lock) {
      return new TextAnalysisLoad(inFlightChars, waiting.size(), waits, skipped);
    }
  }

  public long budgetChars() {
    return budgetChars;
  }
}
