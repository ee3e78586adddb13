package dev.outpost.bench.scenario;

import dev.outpost.bench.util.Secrets;
import java.sql.SQLException;

/**
 * The loop of the write-then-read scenarios ({@code freshness}, {@code region-sharing}): warm-up
 * trials first (not recorded), then measured ones until {@code trials} or the deadline. A trial
 * records its own waits; a failed one (an SQL error, or a reader that never saw the write) is
 * counted and the first message kept.
 */
final class WriteThenReadTrials {
  /** One trial; {@code token} is the value it writes, {@code measured} whether to record it. */
  interface Trial {
    void run(long token, boolean measured) throws SQLException, StaleRead, InterruptedException;
  }

  /** A reader did not see the write in time. */
  static final class StaleRead extends Exception {
    StaleRead(String message) {
      super(message);
    }
  }

  /** What the measured trials came to: failures, the first failure's message, the time they took. */
  record Outcome(long errors, String firstError, long measuredNanos) {}

  private WriteThenReadTrials() {}

  /** Runs the trials; tokens start at {@code firstToken} and grow by one per trial. */
  static Outcome run(int warmup, int trials, long deadlineNanos, long firstToken, Trial trial)
      throws InterruptedException {
    long errors = 0;
    String firstError = null;
    long measuredStart = 0;
    long measuredEnd = 0;
    long token = firstToken;
    for (int t = 0; t < warmup + trials && System.nanoTime() - deadlineNanos < 0; t++) {
      boolean measured = t >= warmup;
      if (t == warmup) {
        measuredStart = System.nanoTime();
      }
      try {
        trial.run(++token, measured);
      } catch (SQLException | StaleRead e) {
        if (measured) {
          errors++;
          firstError = firstError == null ? Secrets.mask(String.valueOf(e.getMessage())) : firstError;
        }
      }
      measuredEnd = System.nanoTime();
    }
    return new Outcome(errors, firstError, Math.max(0, measuredEnd - measuredStart));
  }
}
