package dev.outpost.proxy.session;

import dev.outpost.cache.CacheStatus;
import dev.outpost.cache.CachedResult;
import dev.outpost.cache.FillTicket;
import dev.outpost.cache.QueryCache;
import dev.outpost.proxy.cache.CacheService;
import dev.outpost.proxy.cache.ReadPlan;
import dev.outpost.wire.Frame;
import io.netty.buffer.ByteBuf;
import java.util.Arrays;

/**
 * Copies one result out of the stream of backend messages as it passes to the client — the one
 * copy a result makes on its way into the cache (STYLE, buffers rule 2) — and hands it to the
 * single-flight leader when it is complete. Anything that makes the result unfit for replay (an
 * error, a notice, a suspended portal, COPY, more than the maximum entry size) gives the flight
 * up instead, so that followers go to the origin themselves.
 */
final class ResultCapture {
  private final FillTicket.Leader leader;
  private final ReadPlan plan;
  private final CacheService service;
  private final long maxEntrySize;
  private byte[] describe;
  private byte[] rows = new byte[256];
  private int length;
  private long rowCount;
  private boolean completed;
  private String failure;
  private boolean oversized;
  private boolean finished;
  private final long startNanos = System.nanoTime();
  private final String plannedSql;

  ResultCapture(FillTicket.Leader leader, ReadPlan plan, String plannedSql, CacheService service, long maxEntrySize) {
    this.leader = leader;
    this.plannedSql = plannedSql;
    this.plan = plan;
    this.service = service;
    this.maxEntrySize = maxEntrySize;
  }

  /** Whether this capture was planned for a request with this statement text (null: no text known). */
  boolean plannedFor(String sql) {
    return sql != null && sql.equals(plannedSql);
  }

  /** RowDescription or NoData of the result. */
  void describe(Frame f) {
    if (failure == null) {
      describe = bytes(f.content());
    }
  }

  /** A DataRow. */
  void row(Frame f) {
    if (failure == null) {
      append(f.content());
      rowCount++;
    }
  }

  /** The CommandComplete that ends the result, or the PortalSuspended that ends a row-limited one. */
  void complete(Frame f) {
    if (failure == null) {
      append(f.content());
      completed = true;
    }
  }

  /** The result cannot be replayed exactly; the flight is given up. */
  void fail(String why) {
    if (failure == null) {
      failure = why;
    }
  }

  private void append(ByteBuf b) {
    int n = b.readableBytes();
    if ((long) length + n > maxEntrySize) {
      oversized = true;
      failure = "larger than the maximum entry size";
      rows = null;
      return;
    }
    if (length + n > rows.length) {
      rows = Arrays.copyOf(rows, Math.max(length + n, rows.length * 2));
    }
    b.getBytes(b.readerIndex(), rows, length, n);
    length += n;
  }

  private static byte[] bytes(ByteBuf b) {
    byte[] out = new byte[b.readableBytes()];
    b.getBytes(b.readerIndex(), out);
    return out;
  }

  /**
   * Ends the capture at the request's ReadyForQuery: publishes the result when it is complete
   * (and the transaction ended cleanly), otherwise gives the flight up. Returns the status to
   * record for the query.
   */
  CacheStatus finish(boolean cleanEnd) {
    if (finished) {
      return null;
    }
    finished = true;
    if (completed && failure == null && cleanEnd && describe != null) {
      if (service.catalogChangedSince(plan)) {
        leader.abandon(); // planned with catalog facts a schema change has made doubtful
        return CacheStatus.MISS;
      }
      CachedResult result = CachedResult.builder(Arrays.copyOf(rows, length))
          .rowDescription(describe)
          .rowCount(rowCount)
          .dependencies(plan.dependencies())
          .freshness(plan.freshness())
          .createdAtNanos(leader.startedAtNanos())
          .build();
      return leader.complete(result);
    }
    leader.abandon();
    return oversized ? CacheStatus.OVERSIZED : CacheStatus.UNCACHEABLE;
  }

  /** Gives the flight up without a status (client gone, connection lost). */
  void abandon() {
    if (!finished) {
      finished = true;
      leader.abandon();
    }
  }

  QueryCache cache() {
    return service.cache();
  }

  /** When the request whose result this captures was sent. */
  long startNanos() {
    return startNanos;
  }
}
