package dev.outpost.proxy.session;

import dev.outpost.proxy.metrics.AbandonedWriteOutcome;
import dev.outpost.proxy.origin.OriginConnection;
import dev.outpost.proxy.origin.OriginListener;
import dev.outpost.wire.BackendType;
import dev.outpost.wire.Frame;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client went away while requests that may write were in flight. Closing the origin connection
 * would not stop them: a backend finishes its statement, and commits it, before it notices that
 * nobody reads the answer. So the connection is kept, its answers dropped, until the last
 * ReadyForQuery due has arrived; then the database's cached entries are invalidated — after
 * whatever those requests committed, so no read in between can leave an old result cached — and
 * the connection is closed.
 *
 * <p>Requests still running after {@code abandoned-write-timeout} are cancelled at the origin (a
 * CancelRequest, as the client's own Ctrl-C would send), and each request of the client's that
 * starts after that is cancelled in turn; the drain then ends as before, once the backend has
 * answered them. Only a backend that has not answered {@link #CANCEL_GRACE_SECONDS} after the
 * cancel is given up on: the connection is closed, and a commit after that goes unseen until its
 * entries expire (logged, and counted as {@code cut_short}).
 */
final class DisconnectedDrain implements OriginListener {
  private static final Logger log = LoggerFactory.getLogger(DisconnectedDrain.class);
  /** After the cancel, how long the backend may take to answer before the connection is closed anyway. */
  static final long CANCEL_GRACE_SECONDS = 10;

  private final OriginConnection c;
  private final Runnable cancelAtOrigin;
  private final Consumer<AbandonedWriteOutcome> settled;
  private int readiesDue;
  private final long startNanos = System.nanoTime();
  private boolean cancelling;
  private boolean done;
  private ScheduledFuture<?> timer;

  private DisconnectedDrain(OriginConnection c, int readiesDue, Runnable cancelAtOrigin,
      Consumer<AbandonedWriteOutcome> settled) {
    this.c = c;
    this.readiesDue = readiesDue;
    this.cancelAtOrigin = cancelAtOrigin;
    this.settled = settled;
  }

  /**
   * Takes {@code c} over from the session that held it; {@code readiesDue} must be positive. After
   * {@code timeout}, the requests still running are cancelled with {@code cancelAtOrigin} (which
   * sends a CancelRequest for {@code c}'s backend). When the drain ends, {@code settled} runs once,
   * on {@code c}'s loop: it invalidates the database again and gives the connection up.
   */
  static DisconnectedDrain start(OriginConnection c, int readiesDue, Duration timeout, Runnable cancelAtOrigin,
      Consumer<AbandonedWriteOutcome> settled) {
    DisconnectedDrain d = new DisconnectedDrain(c, readiesDue, cancelAtOrigin, settled);
    log.info("origin connection {}: its client left with {} request(s) unanswered, which may write; keeping the"
        + " connection until they end (cancelling them after {} ms), then invalidating its database again", c,
        readiesDue, timeout.toMillis());
    Runnable takeOver = () -> {
      d.timer = c.eventLoop().schedule(d::cancel, timeout.toNanos(), TimeUnit.NANOSECONDS);
      c.bind(d, "draining");
    };
    if (c.eventLoop().inEventLoop()) {
      takeOver.run(); // at once: no answer of the origin's can reach the session in between
    } else {
      c.eventLoop().execute(takeOver); // answers already on their way to the session come back by relay
    }
    return d;
  }

  /** Whether this drain took {@code connection} over. */
  boolean drains(OriginConnection connection) {
    return connection == c;
  }

  /**
   * An answer that reached the session after it let go: counted here (on the connection's loop;
   * only the number of ReadyForQuery matters, not their order against answers delivered directly).
   */
  void relay(Frame frame) {
    c.eventLoop().execute(() -> onOriginFrame(c, frame));
  }

  @Override
  public EventLoop eventLoop() {
    return c.eventLoop();
  }

  @Override
  public void onOriginFrame(OriginConnection connection, Frame frame) {
    try {
      if (frame.type() == BackendType.READY_FOR_QUERY.code() && !done) {
        if (--readiesDue == 0) {
          settle(cancelling ? AbandonedWriteOutcome.CANCELLED : AbandonedWriteOutcome.ENDED,
              cancelling ? "the cancelled requests ended" : "the requests ended");
        } else if (cancelling) {
          cancelAtOrigin.run(); // the client's next request starts now: it would run unbounded
        }
      }
    } finally {
      frame.release();
    }
  }

  @Override
  public void onOriginClosed(OriginConnection connection, Throwable cause) {
    // the backend is gone: what it committed, it committed before
    settle(AbandonedWriteOutcome.CLOSED, "the connection closed");
  }

  private void cancel() {
    if (done) {
      return;
    }
    log.warn("origin connection {}: {} request(s) of a client that left still ran after {} ms; cancelling them at"
        + " the origin (abandoned-write-timeout)", c, readiesDue, (System.nanoTime() - startNanos) / 1_000_000);
    cancelling = true;
    cancelAtOrigin.run();
    timer = c.eventLoop().schedule(this::cutShort, CANCEL_GRACE_SECONDS, TimeUnit.SECONDS);
  }

  private void cutShort() {
    if (!done) {
      log.warn("origin connection {}: requests of a client that left still ran {} s after they were cancelled;"
          + " closing the connection. A write among them that commits later is not invalidated until its entries"
          + " expire (or the change feed sees it)", c, CANCEL_GRACE_SECONDS);
      settle(AbandonedWriteOutcome.CUT_SHORT, "cut short");
    }
  }

  private void settle(AbandonedWriteOutcome outcome, String why) {
    if (done) {
      return;
    }
    done = true;
    log.info("origin connection {}: drained ({}) after {} ms; its database invalidated again", c, why,
        (System.nanoTime() - startNanos) / 1_000_000);
    if (timer != null) {
      timer.cancel(false);
    }
    settled.accept(outcome);
  }
}
