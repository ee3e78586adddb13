package dev.outpost.cache.store;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.outpost.cache.CacheBus;
import dev.outpost.cache.CacheEvent;
import dev.outpost.cache.CacheKey;
import dev.outpost.cache.CacheStats;
import dev.outpost.cache.CacheStatus;
import dev.outpost.cache.CachedResult;
import dev.outpost.cache.FillTicket;
import dev.outpost.cache.Lookup;
import dev.outpost.cache.QueryCache;
import dev.outpost.cache.SchemaListener;
import dev.outpost.cache.Ticker;
import dev.outpost.cache.sql.TableRef;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link QueryCache}: a Caffeine map bounded by bytes, plus single-flight, the dependency
 * index and the invalidation log.
 *
 * <p>Look-ups and flight joins are lock-free. Everything that decides what may be stored or must
 * be removed — applying a fill, applying or early-applying an invalidation, flushing — runs under
 * one consistency lock, so a fill can never slip in between an invalidation's check and its
 * removal. The lock is never held while calling the bus, and Caffeine's removal listener takes no
 * lock, so lock order is always bus → cache.
 *
 * <p>An invalidation costs the thread that applies it (for a write through the node, a client's
 * event loop) a few map writes, whatever the number of entries it hits: it stamps the slots it
 * invalidates, which makes every entry stored before the stamp unreadable at once ({@link
 * #current}), and leaves the physical removal to the sweeper. Removing 100,000 entries in place
 * held that thread for about 350 ms ({@code bench/experiments/InvalidationPause.java}).
 */
final class DefaultQueryCache implements QueryCache {

  private static final Logger LOG = LoggerFactory.getLogger(DefaultQueryCache.class);

  private final String nodeId;
  private volatile long maxEntrySize;
  private final Ticker ticker;
  private final CacheBus bus;
  private final Cache<CacheKey, StoredEntry> entries;
  private final DependencyIndex index = new DependencyIndex();
  private final InvalidationLog log = new InvalidationLog();
  private final SingleFlight flights;
  private final CacheCounters counters = new CacheCounters();
  private final AtomicLong invalidationIds = new AtomicLong();
  private final Object lock = new Object();
  private volatile long deliveredSequence;
  /** Invalidation stamps, issued under the lock; an entry stores the last one issued before it. */
  private long stamp;
  /** The stamp of the last invalidation of each slot (see {@link IndexKey.Kind} for what each kind marks). */
  private final java.util.concurrent.ConcurrentHashMap<IndexKey, Long> invalidatedAt =
      new java.util.concurrent.ConcurrentHashMap<>();
  /** The stamp of the last flush. */
  private volatile long flushedAt;
  /** Where unreadable entries are physically removed. */
  private final Executor sweeper;
  private final SchemaListener schemaListener;
  /** False when this node's cache is off: fills are not stored (see {@link QueryCacheBuilder#storing}). */
  private final boolean storing;
  /** Index slots invalidated since the last sweep began: their unreadable entries are to be removed. */
  private final Set<IndexKey> toSweep = java.util.concurrent.ConcurrentHashMap.newKeySet();
  /** A flush happened since the last sweep began: every unreadable entry is to be removed. */
  private volatile boolean sweepEverything;
  /** A sweep is queued and has not begun: later invalidations join it instead of queueing more. */
  private final java.util.concurrent.atomic.AtomicBoolean sweepQueued = new java.util.concurrent.atomic.AtomicBoolean();

  DefaultQueryCache(
      String nodeId, long maxBytes, long maxEntrySize, long maxFlightNanos, Ticker ticker,
      Executor executor, Executor sweeper, CacheBus bus, SchemaListener schemaListener, boolean storing) {
    this.nodeId = nodeId;
    this.storing = storing;
    this.schemaListener = schemaListener;
    this.sweeper = sweeper;
    this.maxEntrySize = maxEntrySize;
    this.ticker = ticker;
    this.bus = bus;
    this.flights = new SingleFlight(ticker, maxFlightNanos, () -> deliveredSequence);
    this.entries =
        Caffeine.newBuilder()
            .maximumWeight(maxBytes)
            .weigher((CacheKey k, StoredEntry e) -> e.weight)
            .expireAfter(new EntryExpiry())
            .ticker(ticker::nanos)
            .executor(executor)
            .removalListener((CacheKey k, StoredEntry e, RemovalCause cause) -> removed(e, cause))
            .build();
  }

  /** Called once the cache is fully constructed: the bus may deliver from now on. */
  void bindTo(CacheBus target) {
    target.bind(this);
  }

  @Override
  public java.util.List<dev.outpost.cache.TableUsage> topTables(int limit) {
    return index.topTables(limit);
  }

  @Override
  public void limits(long maxBytes, long maxEntrySize) {
    if (maxBytes < 1 || maxEntrySize < 1) {
      throw new IllegalArgumentException("cache limits must be positive");
    }
    this.maxEntrySize = maxEntrySize;
    entries.policy().eviction().ifPresent(e -> e.setMaximum(maxBytes));
  }

  // ---------------------------------------------------------------- read path

  @Override
  public Lookup lookup(CacheKey key) {
    StoredEntry e = entries.getIfPresent(key);
    if (e == null) {
      return Lookup.miss();
    }
    if (!current(e)) {
      entries.asMap().remove(key, e); // invalidated, not swept yet: one removal is cheap
      return Lookup.miss();
    }
    CachedResult r = e.result;
    long age = ticker.nanos() - r.createdAtNanos();
    if (age < r.freshness().maxAgeNanos()) {
      return Lookup.hit(r);
    }
    if (age < r.freshness().lifetimeNanos()) {
      Optional<FillTicket.Leader> refresh =
          flights.tryLead(key).map(f -> new FlightLeader(this, f));
      return Lookup.stale(r, refresh);
    }
    return Lookup.miss();
  }

  @Override
  public FillTicket begin(CacheKey key) {
    SingleFlight.Joined joined = flights.join(key);
    if (joined.leading()) {
      return new FlightLeader(this, joined.flight());
    }
    return new FillTicket.Follower(key, followerView(joined.flight().future));
  }

  /**
   * The follower's own future: completing or timing it out cannot affect the flight, and it fails
   * with the leader's exception itself rather than a CompletionException wrapping it.
   */
  private static CompletableFuture<CachedResult> followerView(CompletableFuture<CachedResult> flight) {
    CompletableFuture<CachedResult> mine = new CompletableFuture<>();
    flight.whenComplete((r, e) -> {
      if (e == null) {
        mine.complete(r);
      } else {
        mine.completeExceptionally(e instanceof CompletionException && e.getCause() != null ? e.getCause() : e);
      }
    });
    return mine;
  }

  /**
   * The leader's result: its followers get it, and the fill goes out. The flight is finished only
   * after the fill is published: a single node's bus stores it before {@code publish} returns, so a
   * request for the key meets either the flight (and joins it) or the entry, never neither (it
   * then led a second flight to the origin; one in 8 runs of CacheBehaviorIT's 50 concurrent
   * misses did). A clustered bus stores the fill when the region delivers it; a request between
   * the two still leads a flight of its own.
   */
  CacheStatus completeFlight(SingleFlight.Flight flight, CachedResult result) {
    if (result.byteSize() > maxEntrySize) {
      flights.finish(flight);
      flight.abandon("result of " + result.byteSize() + " bytes exceeds max-entry-size " + maxEntrySize);
      return CacheStatus.OVERSIZED;
    }
    flight.future.complete(result);
    try {
      publish(new CacheEvent.Fill(flight.key, result, flight.sequenceAtStart, nodeId));
    } finally {
      flights.finish(flight);
    }
    return CacheStatus.MISS;
  }

  void abandonFlight(SingleFlight.Flight flight) {
    flights.finish(flight);
    flight.abandon("single-flight leader abandoned the fetch");
  }

  // ---------------------------------------------------------------- write path

  @Override
  public CompletableFuture<Void> invalidate(String database, Collection<TableRef> tables) {
    if (tables.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    Set<String> names = new LinkedHashSet<>();
    for (TableRef t : tables) {
      names.add(t.name());
    }
    return invalidateEarly(
        new CacheEvent.Invalidation(database, names, false, nodeId, invalidationIds.incrementAndGet()));
  }

  @Override
  public CompletableFuture<Void> invalidateAll(String database) {
    return invalidateEarly(new CacheEvent.Invalidation(database, Set.of(), true, nodeId, invalidationIds.incrementAndGet()));
  }

  @Override
  public CompletableFuture<Void> invalidateSchema(String database) {
    return invalidateEarly(
        new CacheEvent.Invalidation(database, Set.of(), true, true, nodeId, invalidationIds.incrementAndGet()));
  }

  /** Applies this node's invalidation now (read-your-writes), then publishes it for everyone. */
  private CompletableFuture<Void> invalidateEarly(CacheEvent.Invalidation inv) {
    if (inv.schemaChanged()) {
      schemaListener.schemaChanged(inv.database()); // before any read can miss because of it
    }
    synchronized (lock) {
      log.addPending(inv);
      removeMatching(inv);
      flights.detach(inv.database());
    }
    try {
      return bus.publishDelivered(inv);
    } catch (RuntimeException e) {
      counters.publishFailures.increment();
      LOG.warn("cache bus refused an invalidation; applied on this node only: {}", e.toString());
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public void flush() {
    synchronized (lock) {
      log.flush(deliveredSequence + 1);
      clearEverything();
    }
  }

  // ---------------------------------------------------------------- delivery

  @Override
  public void deliver(long sequence, CacheEvent event) {
    if (event instanceof CacheEvent.Invalidation inv && inv.schemaChanged() && !inv.originNode().equals(nodeId)) {
      // Before the invalidation takes effect: a read that misses because of it must not plan with
      // the old catalog facts, or its fill (started after this delivery) would be admitted. This
      // node's own schema change was heard when it was published.
      schemaListener.schemaChanged(inv.database());
    }
    synchronized (lock) {
      if (sequence > deliveredSequence) {
        deliveredSequence = sequence;
      } else {
        LOG.debug("event {} delivered at non-increasing sequence {} (last {})", event.getClass().getSimpleName(),
            sequence, deliveredSequence);
      }
      if (event instanceof CacheEvent.Fill fill) {
        applyFill(fill);
      } else if (event instanceof CacheEvent.Invalidation inv) {
        applyInvalidation(sequence, inv);
      } else if (event instanceof CacheEvent.Flush) {
        log.flush(sequence);
        clearEverything();
      }
    }
  }

  private void applyFill(CacheEvent.Fill fill) {
    if (!storing) {
      return; // this node's cache is off: it reads nothing, so it keeps nothing
    }
    CacheKey key = fill.key();
    CachedResult result = fill.result();
    long expiresAt = saturatedAdd(result.createdAtNanos(), result.freshness().lifetimeNanos());
    boolean admitted =
        log.admits(key.database(), result.dependencies(), fill.sequenceAtStart())
            && expiresAt - ticker.nanos() > 0
            && result.byteSize() <= maxEntrySize;
    if (!admitted) {
      counters.fillsDropped.increment();
      return;
    }
    StoredEntry e = new StoredEntry(key, result, expiresAt, stamp);
    index.add(e); // before the put: an entry in the map is always indexed
    entries.put(key, e);
    counters.fillsStored.increment();
  }

  private void applyInvalidation(long sequence, CacheEvent.Invalidation inv) {
    log.delivered(sequence, inv);
    if (inv.originNode().equals(nodeId)) {
      log.removePending(inv.id());
    }
    removeMatching(inv);
    flights.detach(inv.database());
    counters.invalidations.increment();
  }

  /**
   * Makes every entry the invalidation hits unreadable now (by stamping its slots; under the lock),
   * and has the sweeper remove them.
   */
  private void removeMatching(CacheEvent.Invalidation inv) {
    long s = ++stamp;
    String db = inv.database();
    stampAndSweep(IndexKey.allDependent(db), s); // entries that depend on everything
    if (inv.allTables()) {
      stampAndSweep(IndexKey.anyEntry(db), s);
    } else {
      for (String t : inv.tables()) {
        stampAndSweep(IndexKey.table(db, t), s);
      }
    }
    queueSweep();
  }

  private void stampAndSweep(IndexKey slot, long s) {
    invalidatedAt.put(slot, s);
    toSweep.add(slot);
  }

  /** Like {@link #removeMatching} for every entry of every database. */
  private void clearEverything() {
    flushedAt = ++stamp;
    flights.detachAll();
    counters.flushes.increment();
    sweepEverything = true;
    queueSweep();
  }

  /**
   * Whether {@code e} may still be read: no flush and no invalidation of one of its slots since it
   * was stored. Lock-free; an invalidation's stamps are visible to every look-up that starts after
   * the invalidation returned, so read-your-writes holds before any sweeping.
   */
  private boolean current(StoredEntry e) {
    if (flushedAt > e.storedStamp) {
      return false;
    }
    for (IndexKey k : e.slots) {
      Long at = invalidatedAt.get(k);
      if (at != null && at > e.storedStamp) {
        return false;
      }
    }
    return true;
  }

  /**
   * Has the sweeper run unless a sweep is queued already: under a storm of writes there is one
   * sweep at a time, each taking every slot invalidated before it began.
   */
  private void queueSweep() {
    if (!sweepQueued.compareAndSet(false, true)) {
      return;
    }
    try {
      sweeper.execute(this::sweep);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      sweepQueued.set(false);
      LOG.warn("cache sweeper refused work; unreadable entries stay until they expire or are evicted");
    }
  }

  /**
   * Removes the unreadable entries of the slots invalidated so far (of the whole map after a
   * flush). An entry stored after the invalidation is current and stays; removal is by identity,
   * so a newer entry under the same key is never touched. Caffeine's removal listener takes each
   * one out of the index.
   */
  private void sweep() {
    sweepQueued.set(false); // invalidations from now on queue the next sweep
    if (sweepEverything) {
      sweepEverything = false;
      removeUnreadable(new java.util.ArrayList<>(entries.asMap().values()));
      return;
    }
    for (java.util.Iterator<IndexKey> it = toSweep.iterator(); it.hasNext(); ) {
      IndexKey slot = it.next();
      it.remove();
      removeUnreadable(index.snapshot(slot));
    }
  }

  private void removeUnreadable(Collection<StoredEntry> candidates) {
    for (StoredEntry e : candidates) {
      if (!current(e)) {
        entries.asMap().remove(e.key, e); // the removal listener takes it out of the index
      }
    }
  }

  private void removed(StoredEntry e, RemovalCause cause) {
    if (e != null) {
      index.remove(e);
    }
    if (cause == RemovalCause.SIZE) {
      counters.evictions.increment();
    }
  }

  private void publish(CacheEvent event) {
    try {
      bus.publish(event);
    } catch (RuntimeException e) {
      counters.publishFailures.increment();
      LOG.warn("cache bus refused {}; continuing without it: {}", event.getClass().getSimpleName(), e.toString());
    }
  }

  // ---------------------------------------------------------------- observation

  @Override
  public void record(CacheStatus status) {
    counters.record(status);
  }

  @Override
  public CacheStats stats() {
    entries.cleanUp();
    long bytes =
        entries.policy().eviction().map(ev -> ev.weightedSize().orElse(0L)).orElse(0L);
    return new CacheStats(
        counters.statusSnapshot(), entries.estimatedSize(), bytes, counters.evictions.sum(),
        counters.fillsStored.sum(), counters.fillsDropped.sum(), counters.invalidations.sum(),
        counters.flushes.sum(), counters.publishFailures.sum(), deliveredSequence);
  }

  @Override
  public long deliveredSequence() {
    return deliveredSequence;
  }

  @Override
  public String nodeId() {
    return nodeId;
  }

  /** Own invalidations applied early and not yet delivered back; for tests and diagnostics. */
  int pendingInvalidations() {
    synchronized (lock) {
      return log.pendingCount();
    }
  }

  private static long saturatedAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }

  /** Expires an entry at its result's creation time plus max-age plus stale-while-revalidate. */
  private static final class EntryExpiry implements Expiry<CacheKey, StoredEntry> {
    @Override
    public long expireAfterCreate(CacheKey key, StoredEntry e, long currentTime) {
      return Math.max(0, e.expiresAtNanos - currentTime);
    }

    @Override
    public long expireAfterUpdate(CacheKey key, StoredEntry e, long currentTime, long currentDuration) {
      return Math.max(0, e.expiresAtNanos - currentTime);
    }

    @Override
    public long expireAfterRead(CacheKey key, StoredEntry e, long currentTime, long currentDuration) {
      return currentDuration;
    }
  }
}
