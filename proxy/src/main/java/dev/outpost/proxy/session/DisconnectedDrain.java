package dev.outpost.proxy.session;

import dev.outpost.proxy.cache.CacheService;
import dev.outpost.proxy.cache.WriteSet;
import dev.outpost.proxy.origin.OriginConnection;
import dev.outpost.proxy.origin.OriginListener;
import dev.outpost.proxy.origin.OriginPool;
import dev.outpost.wire.BackendType;
import dev.outpost.wire.Frame;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client went away while requests that may write were in flight. Closing the origin connection
 * would not stop them: a backend finishes its statement, and commits it, before it notices that
 * nobody reads the answer. So the connection is kept, its answers dropped, until the last
 * ReadyForQuery due has arrived; then the database's cached entries are invalidated — after
 * whatever those requests committed, so no read in between can leave an old result cached — and
 * the connection is closed. A drain that takes longer than {@link #LIMIT_SECONDS} is cut short the
 * same way (the statement may still commit later; that is logged).
 */
final class DisconnectedDrain implements OriginListener {
  private static final Logger log = LoggerFactory.getLogger(DisconnectedDrain.class);
  static final long LIMIT_SECONDS = 30;

  private final OriginPool pool;
  private final OriginConnection c;
  private final CacheService cache;
  private final String database;
  private int readiesDue;
  private final long startNanos = System.nanoTime();
  private boolean settled;
  private ScheduledFuture<?> limit;

  private DisconnectedDrain(OriginPool pool, OriginConnection c, CacheService cache, String database, int readiesDue) {
    this.pool = pool;
    this.c = c;
    this.cache = cache;
    this.database = database;
    this.readiesDue = readiesDue;
  }

  /**
   * Takes {@code c} over from the session that held it; {@code readiesDue} must be positive, and
   * {@code cache} one that hears of this node's writes.
   */
  static DisconnectedDrain start(OriginPool pool, OriginConnection c, CacheService cache, String database, int readiesDue) {
    DisconnectedDrain d = new DisconnectedDrain(pool, c, cache, database, readiesDue);
    log.info("origin connection {}: its client left with {} request(s) unanswered, which may write; keeping the"
        + " connection until they end, then invalidating {} again", c, readiesDue, database);
    Runnable takeOver = () -> {
      d.limit = c.eventLoop().schedule(d::cutShort, LIMIT_SECONDS, TimeUnit.SECONDS);
      c.bind(d, "drain after the client left");
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
      if (frame.type() == BackendType.READY_FOR_QUERY.code() && --readiesDue == 0) {
        settle("the requests ended");
      }
    } finally {
      frame.release();
    }
  }

  @Override
  public void onOriginClosed(OriginConnection connection, Throwable cause) {
    settle("the connection closed"); // the backend is gone: what it committed, it committed before
  }

  private void cutShort() {
    if (!settled) {
      log.warn("origin connection {}: requests of a client that left still ran after {} s; closing it. A write among"
          + " them that commits later is not invalidated until its entries expire", c, LIMIT_SECONDS);
      settle("cut short");
    }
  }

  private void settle(String why) {
    if (settled) {
      return;
    }
    settled = true;
    log.info("origin connection {}: drained ({}) after {} ms; {} invalidated again", c, why,
        (System.nanoTime() - startNanos) / 1_000_000, database);
    if (limit != null) {
      limit.cancel(false);
    }
    cache.invalidate(database, WriteSet.EVERYTHING);
    pool.release(c, false);
  }
}
