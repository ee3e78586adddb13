package dev.outpost.proxy.session;

import dev.outpost.proxy.metrics.TextAnalysisLoad;
import java.util.ArrayDeque;
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
 * analysed) leave room for it in the budget. Over the budget, the session waits for room
 * ({@link #whenRoom()}) holding nothing but its own pending message, and tries again. A text whose
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
  /** Texts handed to the executor and not finished. Guarded by lock. */
  private int inFlight;
  /** Sessions waiting for room, completed in order when texts finish. Guarded by lock. */
  private final ArrayDeque<CompletableFuture<Void>> waiting = new ArrayDeque<>();
  /** Counted under lock, read by metrics. */
  private long waits;
  private long skipped;

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
   * Hands {@code work} for a text of {@code chars} characters to the executor when the budget has
   * room, and returns its result; returns null when it has none (then wait for {@link #whenRoom()}
   * and try again). When its turn comes and {@code abandoned} says the session has gone, the work
   * is skipped and the future completes with null.
   */
  <T> CompletableFuture<T> trySubmit(int chars, Supplier<T> work, BooleanSupplier abandoned) {
    if (!fits(chars)) {
      throw new IllegalArgumentException(
          "a text of " + chars + " characters is over the whole budget of " + budgetChars);
    }
    synchronized (lock) {
      if (inFlightChars + chars > budgetChars) {
        return null;
      }
      inFlight++;
      inFlightChars += chars;
    }
    CompletableFuture<T> result = new CompletableFuture<>();
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
    return result;
  }

  /**
   * Completes when a text in flight has finished, so that a session over the budget may try again;
   * at once when nothing is in flight.
   */
  CompletableFuture<Void> whenRoom() {
    CompletableFuture<Void> room = new CompletableFuture<>();
    synchronized (lock) {
      if (inFlight > 0) {
        waits++;
        waiting.addLast(room);
        return room;
      }
    }
    room.complete(null);
    return room;
  }

  private void finished(int chars) {
    ArrayDeque<CompletableFuture<Void>> wake;
    synchronized (lock) {
      inFlight--;
      inFlightChars -= chars;
      if (waiting.isEmpty()) {
        return;
      }
      wake = new ArrayDeque<>(waiting); // each tries again; those still over the budget wait again
      waiting.clear();
    }
    wake.forEach(w -> w.complete(null));
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
