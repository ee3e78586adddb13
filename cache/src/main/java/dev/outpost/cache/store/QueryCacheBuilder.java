package dev.outpost.cache.store;

import dev.outpost.cache.CacheBus;
import dev.outpost.cache.QueryCache;
import dev.outpost.cache.SchemaListener;
import dev.outpost.cache.Ticker;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.Executor;

/**
 * Builds a {@link QueryCache}. Defaults follow DESIGN §6: 256 MiB, 16 MiB per entry, the system
 * ticker, a {@link LocalCacheBus} (single node), a random node id, and a 30 s maximum
 * single-flight time. Tests inject a ticker.
 *
 * <p>Caffeine's maintenance (draining its read and write buffers, evicting, expiring, removal
 * notifications) runs by default on the thread that triggers it ({@code Runnable::run}), not on
 * the common pool: on a node that thread is an event loop already running, and handing the work
 * to a pool thread cost a wake-up (futex) per hand-over — ~13 % of the node's CPU per cache hit,
 * measured (bench/results/2026-11-29-pgbench-j2/README.md, "Caffeine's maintenance on the calling
 * thread"). The removal listener only updates the table index.
 *
 * <p>An invalidation only stamps what it invalidates on the invalidating thread; the entries it
 * made unreadable are removed by the sweeper (default: one background thread), so a write to a
 * table with 300,000 cached reads holds the writer's event loop for a few milliseconds at
 * most (median 0.3 ms) instead of about a second ({@code bench/experiments/InvalidationPause.java}).
 */
public final class QueryCacheBuilder {
  /**
   * One background thread for every cache of the process: it only removes entries that are
   * unreadable already, so it may lag without harm (they hold memory a little longer).
   */
  private static final Executor SHARED_SWEEPER = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "outpost-cache-sweeper");
    t.setDaemon(true);
    return t;
  });

  private long maxBytes = 256L * 1024 * 1024;
  private long maxEntrySize = 16L * 1024 * 1024;
  private Duration maxFlightTime = Duration.ofSeconds(30);
  private Ticker ticker = Ticker.system();
  private Executor executor = Runnable::run;
  private Executor sweeper = SHARED_SWEEPER;
  private CacheBus bus;
  private String nodeId = UUID.randomUUID().toString();
  private SchemaListener schemaListener = SchemaListener.NONE;
  private boolean storing = true;

  private QueryCacheBuilder() {}

  /** A builder with the defaults. */
  public static QueryCacheBuilder newBuilder() {
    return new QueryCacheBuilder();
  }

  /** {@code cache.max-bytes}: the bound on stored bytes (keys and results, with overhead). */
  public QueryCacheBuilder maxBytes(long bytes) {
    if (bytes <= 0) {
      throw new IllegalArgumentException("max-bytes must be positive: " + bytes);
    }
    this.maxBytes = bytes;
    return this;
  }

  /** {@code cache.max-entry-size}: results with more wire bytes are refused (OVERSIZED). */
  public QueryCacheBuilder maxEntrySize(long bytes) {
    if (bytes <= 0 || bytes > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("max-entry-size must be in 1.." + Integer.MAX_VALUE + ": " + bytes);
    }
    this.maxEntrySize = bytes;
    return this;
  }

  /** How long a single-flight leader may run before new callers stop waiting for it. */
  public QueryCacheBuilder maxFlightTime(Duration d) {
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException("max flight time must be positive: " + d);
    }
    this.maxFlightTime = d;
    return this;
  }

  /** The time source. */
  public QueryCacheBuilder ticker(Ticker t) {
    this.ticker = Objects.requireNonNull(t, "ticker");
    return this;
  }

  /** Where Caffeine runs maintenance and removal notifications (default: the calling thread). */
  public QueryCacheBuilder executor(Executor e) {
    this.executor = Objects.requireNonNull(e, "executor");
    return this;
  }

  /**
   * Where entries that an invalidation or flush made unreadable are physically removed (default:
   * one background thread shared by all caches; {@code Runnable::run} removes them at once, on the
   * invalidating thread).
   */
  public QueryCacheBuilder sweeper(Executor e) {
    this.sweeper = Objects.requireNonNull(e, "sweeper");
    return this;
  }

  /** The bus that orders fills and invalidations; bound to the cache by {@link #build}. */
  public QueryCacheBuilder bus(CacheBus b) {
    this.bus = Objects.requireNonNull(b, "bus");
    return this;
  }

  /**
   * False for a node whose cache is off but whose bus reaches nodes that cache: it publishes and
   * applies invalidations, and stores no result, its own or a peer's (default true).
   */
  public QueryCacheBuilder storing(boolean store) {
    this.storing = store;
    return this;
  }

  /** Who hears of schema changes (see {@link QueryCache#invalidateSchema}); default nobody. */
  public QueryCacheBuilder schemaListener(SchemaListener l) {
    this.schemaListener = Objects.requireNonNull(l, "schemaListener");
    return this;
  }

  /** This node's identity on the bus (must be unique in the cluster). */
  public QueryCacheBuilder nodeId(String id) {
    Objects.requireNonNull(id, "nodeId");
    if (id.isEmpty()) {
      throw new IllegalArgumentException("empty nodeId");
    }
    this.nodeId = id;
    return this;
  }

  /** Builds the cache and binds it to the bus. */
  public QueryCache build() {
    CacheBus b = bus == null ? new LocalCacheBus() : bus;
    long flightNanos;
    try {
      flightNanos = maxFlightTime.toNanos();
    } catch (ArithmeticException overflow) {
      flightNanos = Long.MAX_VALUE;
    }
    DefaultQueryCache cache =
        new DefaultQueryCache(nodeId, maxBytes, maxEntrySize, flightNanos, ticker, executor, sweeper, b,
            schemaListener, storing);
    cache.bindTo(b);
    return cache;
  }
}
