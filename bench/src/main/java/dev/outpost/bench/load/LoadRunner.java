package dev.outpost.bench.load;

import dev.outpost.bench.util.Secrets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Drives {@link LoadSpec#clients()} workers on their own threads through a warm-up and a measured
 * phase and returns what the measured phase recorded.
 *
 * <p>All workers are opened before the warm-up starts and all finish warming up before the
 * measurement starts, so the measured phase sees steady state only. Every loop is bounded by time
 * and by count; a phase in which errors dominate stops early (more than 100 errors and ten times
 * as many errors as successes) so that a dead endpoint costs seconds, not the whole duration.
 *
 * <p>Open loop (a rate): operation {@code i} is scheduled at {@code start + i / rate} and its
 * latency is measured from that scheduled time, not from when a worker got around to it, so a
 * stall is charged to every operation it held up (no coordinated omission). If the endpoint
 * cannot keep up, workers stop starting operations {@link #HARD_STOP_GRACE_NANOS} after the
 * measured time; the rest are recorded with the wait they had so far and counted as late starts.
 *
 * <p>A phase never outlasts its warm-up, duration, that grace and {@link #STUCK_OPERATION_NANOS}:
 * clients still blocked in an operation then are abandoned (daemon threads, unblocked when their
 * driver closes its connections) and the result says so.
 */
public final class LoadRunner {
  /** How long an overloaded open-loop phase may overrun before unstarted operations are written off. */
  static final long HARD_STOP_GRACE_NANOS = TimeUnit.SECONDS.toNanos(30);
  private static final long BARRIER_TIMEOUT_MINUTES = 10;
  /** How long past its budget a phase waits for an operation that does not return. */
  static final long STUCK_OPERATION_NANOS = TimeUnit.SECONDS.toNanos(90);

  private final LoadSpec spec;
  private final Worker.Factory factory;
  private final long graceNanos;
  private final long stuckNanos;
  private final AtomicLong warmupSeq = new AtomicLong();
  private final AtomicLong measureSeq = new AtomicLong();
  private final AtomicLong successes = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();
  private final AtomicLong measuredErrors = new AtomicLong();
  private final AtomicLong lateStarts = new AtomicLong();
  private final AtomicLong lastEnd = new AtomicLong(Long.MIN_VALUE);
  private final AtomicBoolean abort = new AtomicBoolean();
  private final AtomicReference<String> firstError = new AtomicReference<>();
  private volatile long warmupStart;
  private volatile long measureStart;

  private LoadRunner(LoadSpec spec, Worker.Factory factory, long graceNanos, long stuckNanos) {
    this.spec = spec;
    this.factory = factory;
    this.graceNanos = graceNanos;
    this.stuckNanos = stuckNanos;
  }

  /** Runs one phase pair; blocks until every worker is closed or given up on. */
  public static LoadResult run(LoadSpec spec, Worker.Factory factory) throws InterruptedException {
    return run(spec, factory, HARD_STOP_GRACE_NANOS, STUCK_OPERATION_NANOS);
  }

  /** The same with other limits, so that tests of hung endpoints take seconds. */
  static LoadResult run(LoadSpec spec, Worker.Factory factory, long graceNanos, long stuckNanos)
      throws InterruptedException {
    return new LoadRunner(spec, factory, graceNanos, stuckNanos).run();
  }

  private LoadResult run() throws InterruptedException {
    int n = spec.clients();
    CyclicBarrier opened = new CyclicBarrier(n, () -> warmupStart = System.nanoTime());
    CyclicBarrier warmedUp = new CyclicBarrier(n, () -> {
      measureStart = System.nanoTime();
      // Warm-up errors say nothing about the measured phase; only its own may abort it.
      successes.set(0);
      errors.set(0);
    });
    List<Client> clients = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Client c = new Client(i, opened, warmedUp);
      clients.add(c);
      c.thread.start();
    }
    // Every operation is bounded by the driver's socket timeout, but a hung endpoint must not be
    // able to stall the run even if that fails: past the phase's budget, stop waiting.
    long deadline = System.nanoTime() + spec.warmup().toNanos() + spec.duration().toNanos()
        + graceNanos + stuckNanos;
    for (Client c : clients) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (left > 0) {
        c.thread.join(left);
      }
    }
    long stuck = clients.stream().filter(c -> c.thread.isAlive()).count();
    if (stuck > 0) {
      fail(stuck + " of " + n + " clients were still blocked in an operation "
          + TimeUnit.NANOSECONDS.toSeconds(stuckNanos) + " s after the phase should have ended "
          + "(the endpoint stopped answering)");
      abort.set(true);
      opened.reset();
      warmedUp.reset();
      for (Client c : clients) {
        c.thread.interrupt();
      }
    }
    Histogram total = new Histogram(3);
    Map<String, Histogram> kinds = new HashMap<>();
    for (Client c : clients) {
      if (c.thread.isAlive()) {
        continue; // still writing its histograms; what it recorded is lost with it
      }
      total.add(c.total);
      c.kinds.forEach((k, h) -> kinds.computeIfAbsent(k, x -> new Histogram(3)).add(h));
    }
    long end = lastEnd.get();
    long elapsed = measureStart == 0 || end == Long.MIN_VALUE ? 0 : Math.max(0, end - measureStart);
    return new LoadResult(spec.describe(), total, kinds, total.getTotalCount() - lateStarts.get(),
        measuredErrors.get(), lateStarts.get(), elapsed, firstError.get(), abort.get());
  }

  private void fail(String message) {
    firstError.compareAndSet(null, Secrets.mask(message));
  }

  /** One client thread: open, warm up, measure, close. */
  private final class Client implements Runnable {
    final Thread thread;
    final int index;
    final CyclicBarrier opened;
    final CyclicBarrier warmedUp;
    final Histogram total = new Histogram(3);
    final Map<String, Histogram> kinds = new HashMap<>();
    String lastKind;

    Client(int index, CyclicBarrier opened, CyclicBarrier warmedUp) {
      this.index = index;
      this.opened = opened;
      this.warmedUp = warmedUp;
      this.thread = new Thread(this, "load-" + index);
      this.thread.setDaemon(true);
    }

    @Override
    public void run() {
      Worker worker = null;
      try {
        try {
          worker = factory.open(index);
        } catch (Exception e) {
          fail("could not open client " + index + ": " + describe(e));
          abort.set(true);
        }
        await(opened);
        if (worker != null) {
          warmUp(worker);
        }
        await(warmedUp);
        if (worker != null) {
          measure(worker);
        }
      } catch (InterruptedException e) {
        abort.set(true);
        Thread.currentThread().interrupt();
      } catch (BrokenBarrierException | TimeoutException e) {
        abort.set(true);
        fail("clients lost each other between phases: " + e);
      } finally {
        if (worker != null) {
          try {
            worker.close();
          } catch (Exception e) {
            // closing is not measured; a failure here says nothing about the endpoint's latency
          }
        }
      }
    }

    private void await(CyclicBarrier barrier)
        throws InterruptedException, BrokenBarrierException, TimeoutException {
      barrier.await(BARRIER_TIMEOUT_MINUTES, TimeUnit.MINUTES);
    }

    private void warmUp(Worker worker) {
      long end = warmupStart + spec.warmup().toNanos();
      while (!abort.get()) {
        long seq = warmupSeq.getAndIncrement();
        if (seq >= spec.warmupOps()) {
          return;
        }
        if (spec.openLoop()) {
          long intended = warmupStart + scheduledOffset(seq);
          if (intended - end >= 0) {
            return;
          }
          parkUntil(intended);
        } else if (System.nanoTime() - end >= 0) {
          return;
        }
        attempt(worker, seq);
      }
    }

    private void measure(Worker worker) {
      long end = measureStart + spec.duration().toNanos();
      long hardStop = end + graceNanos;
      while (!abort.get()) {
        long seq = measureSeq.getAndIncrement();
        if (seq >= spec.maxOps()) {
          return;
        }
        long start;
        if (spec.openLoop()) {
          start = measureStart + scheduledOffset(seq);
          if (start - end >= 0) {
            return;
          }
          if (System.nanoTime() - hardStop > 0) {
            // Too far behind to start it at all: its latency is at least the wait so far.
            total.recordValue(Math.max(1, hardStop - start));
            lateStarts.incrementAndGet();
            continue;
          }
          parkUntil(start);
        } else {
          start = System.nanoTime();
          if (start - end >= 0) {
            return;
          }
        }
        boolean ok = attempt(worker, seq);
        long done = System.nanoTime();
        lastEnd.accumulateAndGet(done, Math::max);
        if (ok) {
          long latency = Math.max(1, done - start);
          total.recordValue(latency);
          if (lastKind != null) {
            kinds.computeIfAbsent(lastKind, k -> new Histogram(3)).recordValue(latency);
          }
        } else {
          measuredErrors.incrementAndGet();
        }
      }
    }

    /** Runs one operation; on success its kind is left in {@link #lastKind}. */
    private boolean attempt(Worker worker, long seq) {
      try {
        lastKind = worker.execute(seq);
        successes.incrementAndGet();
        return true;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        abort.set(true);
        return false;
      } catch (Exception e) {
        fail(describe(e));
        long failed = errors.incrementAndGet();
        if (failed > 100 && failed > 10 * successes.get()) {
          abort.set(true);
        }
        return false;
      }
    }
  }

  private long scheduledOffset(long seq) {
    return (long) (seq * (1e9 / spec.ratePerSecond()));
  }

  private static void parkUntil(long deadline) {
    long wait;
    while ((wait = deadline - System.nanoTime()) > 0) {
      LockSupport.parkNanos(wait);
      if (Thread.currentThread().isInterrupted()) {
        return;
      }
    }
  }

  private static String describe(Exception e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().strip();
    if (e instanceof java.sql.SQLException sql && sql.getSQLState() != null) {
      message += " (SQLSTATE " + sql.getSQLState() + ")";
    }
    return Secrets.mask(message);
  }
}
