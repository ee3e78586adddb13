package dev.outpost.cluster;

import dev.outpost.cache.CacheBus;
import dev.outpost.cache.CacheEvent;
import dev.outpost.cache.CacheEventSink;
import dev.outpost.cache.QueryCache;
import dev.outpost.cache.Ticker;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link CacheBus} of a region (DESIGN §6.6, §7): fills and invalidations of every node of the
 * region are delivered to every node's cache in one total order, with the same sequence number for
 * the same event everywhere; invalidations also reach every other region.
 *
 * <p>How the order is made. A node sends each event it publishes to its region's JGroups
 * coordinator; the coordinator stamps it with the next number of its term (see {@link
 * SequenceSpace}: {@code epoch << 40 | counter}, the epoch being the view id in which its term
 * began) and multicasts it. The coordinator is the only sender of stamped frames and NAKACK2
 * delivers one sender's frames in its send order, so every member delivers the same events in the
 * same order with the same numbers — JGroups' SEQUENCER algorithm, with the number carried in the
 * frame where the cache can use it. A member applies a stamped frame only if it comes from the
 * coordinator of the member's current view, belongs to a term that began no earlier than the
 * member's last coordinator change and no later than its current view, and is numbered above
 * everything it applied before. A frame of a term whose view this member has not installed yet
 * (JGroups can deliver a new coordinator's first frames before its view) is held and judged again
 * once that view is installed, after the view's flush. Anything else is out of order: a fill is
 * dropped, an invalidation is sent again to be stamped in the current term.
 *
 * <p>Coordinator changes, merges and joins. When the coordinator changes, or partitions merge, a
 * new term starts with a higher epoch than any term before it on either side, so numbers stay
 * strictly increasing at every node without the nodes exchanging positions. Every member then
 * flushes its cache at {@code (epoch, 0)} — a number no coordinator ever stamps, above everything
 * of older terms and below everything of the new one — so no entry and no fill whose query began
 * before the new term survives it (DESIGN §6.6: "after a partition heals a node flushes"). A node
 * that joins (or whose cache is bound late) starts empty and flushes just below the first event it
 * receives, from which on it receives every event: fills whose query began earlier are dropped.
 * At a new term each member also sends again its own invalidations still unanswered and those it
 * applied in the last {@link BusTuning#recentWindow} (they may have reached only part of the old
 * term); the coordinator stamps each such copy once.
 *
 * <p>Delivery: while the region's view is stable every event published here is delivered exactly
 * once to every bound cache of the region — including, to its own node only, a fill larger than
 * {@code cluster.max-fill-size}: the node sends only a marker and applies its own copy when the
 * marker's number comes back. Around a coordinator change or merge a fill may be lost (a miss
 * elsewhere, nothing worse) and an invalidation may be applied twice, at two numbers (it only
 * removes more); an invalidation is never lost while its origin stays up, and if it reached only
 * part of a failed coordinator's term, the flush at the new term covers the rest. {@link #publish} never blocks on the network and
 * never throws; JGroups threads only parse, apply to the cache and queue; malformed frames,
 * unknown versions and oversized frames are counted, logged (throttled) and ignored.
 */
public final class JGroupsCacheBus implements CacheBus {

  private static final Logger LOG = LoggerFactory.getLogger(JGroupsCacheBus.class);

  private final String nodeName;
  private final String region;
  private final long maxFillSize;
  private final long maxFrameSize;
  private final Ticker ticker;
  private final BusTuning tuning;
  private final BusCounters counters = new BusCounters();
  private final Sequencer sequencer = new Sequencer();
  private final Outbox outbox;
  private final Stamper stamper;
  private final AtomicLong tokens = new AtomicLong();
  private final ConcurrentHashMap<Long, OwnFill> ownFills = new ConcurrentHashMap<>();
  private final AtomicLong retainedBytes = new AtomicLong();
  private final ConcurrentHashMap<Long, PendingInvalidation> pending = new ConcurrentHashMap<>();
  private final LogThrottle rejectLog = new LogThrottle(10, TimeUnit.SECONDS);
  private final LogThrottle sendLog = new LogThrottle(10, TimeUnit.SECONDS);

  private final Object lock = new Object();
  private final RegionOrder order;

  /** An own fill waiting for its sequence number; {@code retained} is its size if not replicated. */
  private record OwnFill(CacheEvent.Fill fill, long queuedAtNanos, long retained) {}

  /** An own invalidation not yet delivered back; {@code delivered} completes when it is. */
  private static final class PendingInvalidation {
    final CacheEvent.Invalidation invalidation;
    final CompletableFuture<Void> delivered = new CompletableFuture<>();
    volatile long sentAtNanos;

    PendingInvalidation(CacheEvent.Invalidation invalidation, long sentAtNanos) {
      this.invalidation = invalidation;
      this.sentAtNanos = sentAtNanos;
    }
  }

  JGroupsCacheBus(String nodeName, String region, boolean relayEnabled, long maxFillSize, Ticker ticker,
      BusTuning tuning) {
    this.nodeName = nodeName;
    this.region = region;
    this.maxFillSize = maxFillSize;
    this.maxFrameSize = maxFillSize + Frames.HEADER_ALLOWANCE;
    this.ticker = ticker;
    this.tuning = tuning;
    this.stamper = new Stamper(nodeName, region, relayEnabled, sequencer, counters);
    this.order = new RegionOrder(nodeName, tuning, counters, this::queueSubmission, this::ownInvalidationDelivered,
        () -> pending.values().stream().map(p -> p.invalidation).toList(), ticker);
    this.outbox = new Outbox("outpost-cluster-sender-" + nodeName, tuning.maxQueuedFillBytes(),
        tuning.tick().toNanos(), new SenderHandler());
  }

  /** Starts sending through {@code channel}; called once, before the channel connects. */
  void start(BusTransport channel) {
    stamper.transport(channel);
    outbox.start();
  }

  /** Gives queued frames (a leaving node's last invalidations) up to {@code timeout} to go out. */
  void drain(java.time.Duration timeout) {
    if (!outbox.drain(timeout.toNanos())) {
      LOG.warn("node {}: leaving with {} cluster frame(s) unsent", nodeName, outbox.pending());
    }
  }

  /**
   * Stops the sender thread; frames still queued are not sent. Invalidations still waiting for
   * their number fail their {@link #publishDelivered} future (a change feed then replays them).
   */
  void close() {
    outbox.close();
    IllegalStateException left = new IllegalStateException("node " + nodeName + " left region " + region
        + " before its invalidation was numbered");
    pending.values().forEach(p -> p.delivered.completeExceptionally(left));
  }

  private void ownInvalidationDelivered(long id) {
    PendingInvalidation p = pending.remove(id);
    if (p != null) {
      p.delivered.complete(null);
    }
  }

  // ---------------------------------------------------------------- CacheBus

  @Override
  public void bind(CacheEventSink target) {
    if (target instanceof QueryCache cache && !cache.nodeId().equals(nodeName)) {
      // The bus recognizes this node's own invalidations by the cache's node id.
      throw new IllegalArgumentException("the cache's node id \"" + cache.nodeId() + "\" must be the cluster node name \""
          + nodeName + "\" (" + ClusterConfig.KEY_NODE_NAME + ")");
    }
    synchronized (lock) {
      order.bind(target);
    }
  }

  @Override
  public CompletableFuture<Void> publishDelivered(CacheEvent.Invalidation invalidation) {
    try {
      return submitInvalidation(invalidation).delivered;
    } catch (RuntimeException e) {
      pending.remove(invalidation.id());
      counters.sendFailures.increment();
      if (sendLog.allow()) {
        LOG.warn("node {}: could not queue an invalidation for the region: {}", nodeName, e.toString());
      }
      return CompletableFuture.failedFuture(e);
    }
  }

  private PendingInvalidation submitInvalidation(CacheEvent.Invalidation inv) {
    PendingInvalidation p = new PendingInvalidation(inv, System.nanoTime());
    pending.put(inv.id(), p);
    counters.invalidationsSent.increment();
    outbox.offer(Outbox.Kind.SUBMIT, Frames.submitInvalidation(nodeName, 0, inv));
    return p;
  }

  @Override
  public void publish(CacheEvent event) {
    try {
      if (event instanceof CacheEvent.Fill fill) {
        publishFill(fill);
      } else if (event instanceof CacheEvent.Invalidation inv) {
        submitInvalidation(inv);
      } else if (event instanceof CacheEvent.Flush flush) {
        outbox.offer(Outbox.Kind.SUBMIT, Frames.submitFlush(nodeName, Frames.AUDIENCE_ALL, 0, flush));
      }
    } catch (RuntimeException e) {
      counters.sendFailures.increment();
      if (sendLog.allow()) {
        LOG.warn("node {}: could not queue {} for the region; the query is unaffected: {}", nodeName,
            event.getClass().getSimpleName(), e.toString());
      }
    }
  }

  private void publishFill(CacheEvent.Fill fill) {
    long token = tokens.incrementAndGet();
    long size = fill.result().byteSize();
    byte[] frame = null;
    if (size <= maxFillSize) {
      FrameWriter w = Frames.submit(Frames.AUDIENCE_ALL, 0, nodeName, token, Frames.PAYLOAD_FILL, (int) size + 256);
      EventCodec.writeFill(w, fill, ticker.nanos());
      if (w.size() <= maxFillSize) {
        frame = w.toByteArray();
      }
    }
    long retained = 0;
    if (frame == null) {
      // Too large to ship: the coordinator numbers a marker and only this node applies the fill.
      if (retainedBytes.addAndGet(size) > tuning.maxRetainedBytes()) {
        retainedBytes.addAndGet(-size);
        counters.fillsDropped.increment();
        return;
      }
      retained = size;
      frame = Frames.submit(Frames.AUDIENCE_SUBMITTER, 0, nodeName, token, Frames.PAYLOAD_RETAINED_FILL, 0)
          .toByteArray();
    }
    if (ownFills.size() >= tuning.maxOwnFills()) {
      retainedBytes.addAndGet(-retained);
      counters.fillsDropped.increment();
      return;
    }
    ownFills.put(token, new OwnFill(fill, System.nanoTime(), retained));
    if (!outbox.offerFill(Outbox.Kind.SUBMIT, frame)) {
      forgetOwnFill(token);
      counters.fillsDropped.increment();
      return;
    }
    (retained > 0 ? counters.fillsLocalOnly : counters.fillsSent).increment();
  }

  // ---------------------------------------------------------------- from the channel

  /** A new view of the region; see the class comment for what a coordinator change or merge does. */
  void onView(RegionView v) {
    synchronized (lock) {
      boolean newTerm = order.onView(v);
      if (v.selfIsCoordinator()) {
        if (newTerm || !sequencer.active()) {
          sequencer.startTerm(v.id());
        }
      } else {
        sequencer.stop();
      }
      if (newTerm) {
        long now = System.nanoTime();
        pending.values().forEach(p -> p.sentAtNanos = now);
        ownFills.keySet().forEach(this::forgetOwnFill); // their queries predate the flush: dropped anyway
      }
    }
  }

  /** A frame from member {@code senderId}; never throws. */
  void onFrame(String senderId, byte[] buf, int offset, int length) {
    counters.bytesReceived.add(length);
    try {
      if (length > maxFrameSize) {
        throw new MalformedFrameException("frame of " + length + " bytes exceeds this node's bound of "
            + maxFrameSize + " (" + ClusterConfig.KEY_MAX_FILL_SIZE + " " + maxFillSize + " + headers)");
      }
      FrameReader in = new FrameReader(buf, offset, length);
      switch (Frames.readKind(in)) {
        case Frames.KIND_SUBMIT -> onSubmit(buf, offset, length, in);
        case Frames.KIND_SEQUENCED -> onSequenced(senderId, in);
        default -> onRelayed(in);
      }
    } catch (MalformedFrameException e) {
      rejected(senderId, e.getMessage());
    } catch (RuntimeException e) {
      rejected(senderId, e.toString());
    }
  }

  private void rejected(String senderId, String why) {
    counters.framesRejected.increment();
    if (rejectLog.allow()) {
      LOG.warn("node {}: ignored a cluster frame from {}: {} ({} rejected so far)", nodeName, senderId, why,
          counters.framesRejected.sum());
    }
  }

  private void onSubmit(byte[] buf, int offset, int length, FrameReader in) throws MalformedFrameException {
    Frames.readEnvelope(in);
    if (!sequencer.active()) {
      // Not (or not yet) coordinator in this node's view: the submitter retries what matters.
      counters.eventsOutOfOrder.increment();
      return;
    }
    byte[] frame = java.util.Arrays.copyOfRange(buf, offset, offset + length);
    outbox.offer(Outbox.Kind.STAMP, frame);
  }

  private void onSequenced(String senderId, FrameReader in) throws MalformedFrameException {
    long sequence = in.readLong();
    Frames.Envelope env = Frames.readEnvelope(in);
    boolean mine = env.submitter().equals(nodeName);
    OwnFill own = mine && isFill(env) ? ownFills.get(env.token()) : null;
    synchronized (lock) {
      if (own != null) {
        forgetOwnFill(env.token());
      }
      order.onSequenced(senderId, sequence, env, in, own == null ? null : own.fill());
    }
  }

  private void onRelayed(FrameReader in) throws MalformedFrameException {
    String originRegion = in.readString();
    if (originRegion.equals(region)) {
      return; // our own invalidation, passed up at our site master on its way out
    }
    CacheEvent.Invalidation inv = EventCodec.readInvalidation(in);
    in.expectEnd();
    // Qualify the origin so that no node here mistakes it for its own (node names have no '@').
    CacheEvent.Invalidation local = new CacheEvent.Invalidation(inv.database(), inv.tables(), inv.allTables(),
        inv.schemaChanged(), inv.originNode() + "@" + originRegion, inv.id());
    counters.invalidationsRelayedIn.increment();
    queueSubmission(Frames.submitInvalidation(nodeName, Frames.FLAG_FROM_OTHER_REGION, local));
  }

  /** Another region became reachable: invalidations sent while it was not may be lost, so flush. */
  void onSitesUp(String sites) {
    if (sequencer.active()) {
      LOG.info("node {}: region(s) {} reachable again; flushing region {} in case invalidations were lost",
          nodeName, sites, region);
      publish(new CacheEvent.Flush(nodeName));
    }
  }

  private static boolean isFill(Frames.Envelope env) {
    return env.payloadType() == Frames.PAYLOAD_FILL || env.payloadType() == Frames.PAYLOAD_RETAINED_FILL;
  }

  private void forgetOwnFill(long token) {
    OwnFill f = ownFills.remove(token);
    if (f != null && f.retained() > 0) {
      retainedBytes.addAndGet(-f.retained());
    }
  }

  private void queueSubmission(byte[] frame) {
    outbox.offer(Outbox.Kind.SUBMIT, frame);
  }

  // ---------------------------------------------------------------- observation

  /** The counters. */
  ClusterStats stats() {
    return counters.snapshot();
  }

  /** The highest sequence applied here (0 before the first). */
  long lastSequence() {
    synchronized (lock) {
      return order.lastSequence();
    }
  }

  /** True until this node receives its first event after joining (or after its cache was bound). */
  boolean flushPending() {
    synchronized (lock) {
      return order.flushPending();
    }
  }

  /** Events held for a view this node has not installed yet. */
  int earlyEvents() {
    synchronized (lock) {
      return order.earlyEvents();
    }
  }

  /** Invalidations of the previous term not yet applied in this one (their tables' fills are dropped). */
  int awaitedInvalidations() {
    synchronized (lock) {
      return order.renumbering();
    }
  }

  /** The last sequence this node stamped as coordinator in its current term (0 if none). */
  long lastStamped() {
    return sequencer.lastStamped();
  }

  /** Own invalidations not yet delivered back. */
  int pendingInvalidations() {
    return pending.size();
  }

  /** Frames waiting to be sent. */
  int queued() {
    return outbox.pending();
  }

  // ---------------------------------------------------------------- the sender thread

  /** Runs on the outbox's thread: sending (see {@link Stamper}) and retries. */
  private final class SenderHandler implements Outbox.Handler {

    @Override
    public void send(Outbox.Item item) throws Exception {
      stamper.send(item);
    }

    @Override
    public void failed(Outbox.Item item, Exception e) {
      counters.sendFailures.increment();
      if (sendLog.allow()) {
        LOG.warn("node {}: sending a cluster frame failed ({} failures so far); invalidations are retried: {}",
            nodeName, counters.sendFailures.sum(), e.toString());
      }
    }

    @Override
    public void housekeeping() {
      long now = System.nanoTime();
      long retry = tuning.retryInterval().toNanos();
      for (PendingInvalidation p : pending.values()) {
        if (now - p.sentAtNanos > retry) {
          p.sentAtNanos = now;
          counters.invalidationsResubmitted.increment();
          queueSubmission(Frames.submitInvalidation(nodeName, Frames.FLAG_RESUBMITTED, p.invalidation));
        }
      }
      long ttl = tuning.ownFillTtl().toNanos();
      ownFills.forEach((token, f) -> {
        if (now - f.queuedAtNanos() > ttl) {
          forgetOwnFill(token);
        }
      });
      synchronized (lock) {
        order.housekeeping(now);
      }
    }
  }
}
