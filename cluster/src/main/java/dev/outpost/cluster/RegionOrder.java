package dev.outpost.cluster;

import dev.outpost.cache.CacheEvent;
import dev.outpost.cache.CacheEventSink;
import dev.outpost.cache.Ticker;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving half of the region's total order at one node: decides which stamped events are in
 * order, applies them to the cache, and places the flushes of joins, coordinator changes and merges
 * in the sequence (see {@link JGroupsCacheBus}).
 *
 * <p>An event is in order if it comes from the coordinator of this node's current view, its epoch
 * is at least the view id of this node's last term change (0 for the first view: a joiner accepts
 * the term already running) and at most its current view id (the sender's term began in a view
 * this node has installed), and its sequence is above every sequence applied here.
 *
 * <p>An event whose epoch is above this node's current view id is early: JGroups may deliver a new
 * coordinator's first frames before this node has installed the view that made it coordinator. Such
 * events are held, in arrival order, and run through these rules again once a view is installed
 * (after that view's flush), so every member applies the same events of a term at the same numbers.
 * Dropping them instead would let a member miss an invalidation that the coordinator stamps only once
 * per term (a resubmitted copy) and then admit a fill that every other member rejects. If more than
 * {@link #MAX_EARLY_EVENTS} events or {@link BusTuning#maxQueuedFillBytes} bytes wait, they are given
 * up: fills are dropped, invalidations are sent again to be numbered anew, and the node flushes
 * just below the next event it receives in order, which covers whatever the given-up events changed.
 *
 * <p>At a new term this node sends again its own invalidations not yet delivered back and those it
 * applied within {@link BusTuning#recentWindow}, and until a copy of each is applied in the new term
 * it drops every fill of the new term that one of them touches. Nodes enter a term at different
 * moments: a node that entered early may have read a table before a write that this node saw
 * invalidated in the old term (or made itself), and its fill, numbered in the new term, is above
 * every old-term number and above the flush. Copies not seen in the term are sent again, unmarked,
 * every {@link BusTuning#retryInterval}: a coordinator drops submissions that reach it before its
 * view, and stamps a marked copy only once per term.
 *
 * <p>Not thread-safe: the bus calls it under its lock, which is also what makes delivery to the
 * cache one event at a time.
 */
final class RegionOrder {

  private static final Logger LOG = LoggerFactory.getLogger(RegionOrder.class);

  /** At most this many early events wait for their view (see the class comment). */
  static final int MAX_EARLY_EVENTS = 4096;

  private final String nodeName;
  private final BusTuning tuning;
  private final BusCounters counters;
  private final Consumer<byte[]> submit;
  private final LongConsumer ownInvalidationDelivered;
  private final Supplier<Collection<CacheEvent.Invalidation>> ownPending;
  private final Ticker ticker;
  private final ArrayDeque<Recent> recent = new ArrayDeque<>();
  private final ArrayDeque<Early> early = new ArrayDeque<>();
  /** Invalidations sent again into the current term and not yet applied in it, by origin/id. */
  private final Map<String, Renumbered> renumbering = new LinkedHashMap<>();
  private long renumberingSentNanos;
  private final LogThrottle applyLog = new LogThrottle(10, TimeUnit.SECONDS);
  private final LogThrottle earlyLog = new LogThrottle(10, TimeUnit.SECONDS);
  private long earlyBytes;

  private CacheEventSink sink;
  private RegionView view;
  private long minEpoch;
  private long lastSequence; // the last in-order sequence received, applied here or not
  private long lastApplied; // the last sequence handed to the sink
  private boolean flushPending;

  /** An invalidation applied here, kept for {@link BusTuning#recentWindow}. */
  private record Recent(CacheEvent.Invalidation invalidation, int flags, long atNanos) {}

  /** An invalidation waiting to be applied in the current term, with the flags to send it again. */
  private record Renumbered(CacheEvent.Invalidation invalidation, int flags) {}

  /** An event stamped in a view this node has not installed yet; its payload is a copy. */
  private record Early(String senderId, long sequence, Frames.Envelope env, byte[] payload, CacheEvent.Fill own) {}

  /**
   * @param submit queues a frame for the coordinator
   * @param ownInvalidationDelivered told when this node's invalidation comes back in order
   * @param ownPending this node's invalidations not yet delivered back (asked at a new term)
   */
  RegionOrder(String nodeName, BusTuning tuning, BusCounters counters, Consumer<byte[]> submit,
      LongConsumer ownInvalidationDelivered, Supplier<Collection<CacheEvent.Invalidation>> ownPending,
      Ticker ticker) {
    this.nodeName = nodeName;
    this.tuning = tuning;
    this.counters = counters;
    this.submit = submit;
    this.ownInvalidationDelivered = ownInvalidationDelivered;
    this.ownPending = ownPending;
    this.ticker = ticker;
  }

  void bind(CacheEventSink target) {
    if (sink != null) {
      throw new IllegalStateException("the cluster bus of node " + nodeName + " is already bound to a cache");
    }
    sink = target;
    flushPending = true; // this node's log of the region's events starts at the next one it receives
  }

  /** Installs a view; true if it starts a new term here (first view, new coordinator, or merge). */
  boolean onView(RegionView v) {
    RegionView previous = view;
    view = v;
    boolean first = previous == null;
    boolean newTerm = first || v.merge() || !previous.coordinator().id().equals(v.coordinator().id());
    if (first) {
      flushPending = sink != null; // a joiner accepts the running term; its log starts at its first event
    } else if (newTerm) {
      minEpoch = v.id();
      // No one stamps (epoch, 0): a new term's numbers start at 1, and every older term has a lower
      // epoch. So this flush sits after everything this node applied and before all of the new term.
      long flushAt = SequenceSpace.sequence(v.id(), 0);
      if (flushAt > lastApplied) {
        applyFlush(flushAt);
      } else {
        // JGroups never gives a member a lower view id; should it, flush at the next event instead.
        LOG.warn("node {}: view {} does not follow view {}; flushing at the next event", nodeName, v.id(),
            previous.id());
        flushPending = sink != null;
      }
      resubmit(); // before the held events of the new term are judged: its fills must not overtake these
    }
    replayEarly();
    return newTerm;
  }

  /**
   * At a new term: sends again this node's unanswered invalidations, the invalidations it applied
   * within the recent window and those of the last term still not applied, each once, marked so the
   * coordinator stamps each once per term; fills they touch are dropped until they are applied.
   */
  private void resubmit() {
    long now = System.nanoTime();
    long cutoff = now - tuning.recentWindow().toNanos();
    Map<String, Renumbered> again = new LinkedHashMap<>();
    for (CacheEvent.Invalidation inv : ownPending.get()) {
      again.putIfAbsent(key(inv), new Renumbered(inv, 0));
    }
    for (Recent r : recent) {
      if (r.atNanos() - cutoff >= 0) {
        again.putIfAbsent(key(r.invalidation()), new Renumbered(r.invalidation(), r.flags()));
      }
    }
    renumbering.forEach(again::putIfAbsent);
    renumbering.clear();
    renumbering.putAll(again);
    renumbering.values().forEach(r -> resend(r.invalidation(), r.flags()));
    renumberingSentNanos = now;
  }

  /** A stamped event; {@code own} is this node's own fill object when the event is its fill. */
  void onSequenced(String senderId, long sequence, Frames.Envelope env, FrameReader payload,
      CacheEvent.Fill own) throws MalformedFrameException {
    if (view == null || SequenceSpace.epoch(sequence) > view.id()) {
      hold(new Early(senderId, sequence, env, payload.copyRemaining(), own));
      return;
    }
    boolean forMe = env.audience() == Frames.AUDIENCE_ALL || env.submitter().equals(nodeName);
    if (!inOrder(senderId, sequence)) {
      if (forMe) {
        outOfOrder(env, payload);
      }
      return;
    }
    lastSequence = sequence;
    if (flushPending) {
      // Everything from this event on reaches this node; what came before may not have. Fills whose
      // query began before this point are dropped from now on (the flush sets the cache's floor).
      flushPending = false;
      if (sequence - 1 > lastApplied) {
        applyFlush(sequence - 1);
      }
    }
    if (!forMe) {
      return; // another node's local-only event: only its number goes by here
    }
    switch (env.payloadType()) {
      case Frames.PAYLOAD_FLUSH -> {
        CacheEvent.Flush flush = EventCodec.readFlush(payload);
        payload.expectEnd();
        counters.flushes.increment();
        apply(sequence, flush);
      }
      case Frames.PAYLOAD_INVALIDATION -> {
        CacheEvent.Invalidation inv = EventCodec.readInvalidation(payload);
        payload.expectEnd();
        renumbering.remove(key(inv));
        apply(sequence, inv);
        if (inv.originNode().equals(nodeName)) {
          ownInvalidationDelivered.accept(inv.id());
        } else {
          counters.invalidationsReceived.increment();
        }
        remember(inv, env.flags() & Frames.FLAG_FROM_OTHER_REGION);
      }
      default -> {
        if (sink == null) {
          counters.fillsDropped.increment();
          return;
        }
        CacheEvent.Fill fill = own;
        if (fill == null) {
          if (env.payloadType() == Frames.PAYLOAD_RETAINED_FILL) {
            counters.fillsDropped.increment(); // our local-only fill, given up before its number came
            return;
          }
          fill = EventCodec.readFill(payload, ticker.nanos());
          payload.expectEnd();
        }
        if (touchesRenumbering(fill)) {
          counters.fillsDropped.increment(); // its query may predate a write this node saw in the last term
          return;
        }
        apply(sequence, fill);
        if (!env.submitter().equals(nodeName)) {
          counters.fillsReceived.increment();
        }
      }
    }
  }

  /** Events held for a view not installed yet. */
  int earlyEvents() {
    return early.size();
  }

  /**
   * Forgets invalidations older than the recent window, and sends again those of the last term not
   * applied in this one yet: unmarked, so that the coordinator stamps them even if it stamped a
   * marked copy this term already (one this node did not get; a copy more only removes more).
   */
  void housekeeping(long nowNanos) {
    long window = tuning.recentWindow().toNanos();
    while (!recent.isEmpty() && nowNanos - recent.peekFirst().atNanos() > window) {
      recent.removeFirst();
    }
    if (!renumbering.isEmpty() && nowNanos - renumberingSentNanos > tuning.retryInterval().toNanos()) {
      renumbering.values().forEach(r -> resendUnmarked(r.invalidation(), r.flags()));
      renumberingSentNanos = nowNanos;
    }
  }

  /** Invalidations of the last term not yet applied in this one. */
  int renumbering() {
    return renumbering.size();
  }

  long lastSequence() {
    return lastSequence;
  }

  /** True until this node has received its first event since joining (or since its cache was bound). */
  boolean flushPending() {
    return flushPending;
  }

  private boolean inOrder(String senderId, long sequence) {
    if (view == null || !senderId.equals(view.coordinator().id())) {
      return false;
    }
    long epoch = SequenceSpace.epoch(sequence);
    return epoch >= minEpoch && epoch <= view.id() && sequence > lastSequence;
  }

  private void hold(Early e) {
    if (early.size() >= MAX_EARLY_EVENTS || earlyBytes + e.payload().length > tuning.maxQueuedFillBytes()) {
      giveUpEarly();
    }
    early.addLast(e);
    earlyBytes += e.payload().length;
    LOG.debug("node {}: holding {} until view {} is installed here (current view {})", nodeName,
        SequenceSpace.format(e.sequence()), SequenceSpace.epoch(e.sequence()), view == null ? "none" : view.id());
  }

  /** Runs the held events through the rules again, in arrival order; those still early stay held. */
  private void replayEarly() {
    for (int n = early.size(); n > 0; n--) {
      Early e = early.removeFirst();
      earlyBytes -= e.payload().length;
      try {
        onSequenced(e.senderId(), e.sequence(), e.env(), new FrameReader(e.payload(), 0, e.payload().length), e.own());
      } catch (MalformedFrameException ex) {
        counters.framesRejected.increment();
        if (earlyLog.allow()) {
          LOG.warn("node {}: ignored a held cluster frame at {}: {}", nodeName, SequenceSpace.format(e.sequence()),
              ex.getMessage());
        }
      }
    }
  }

  /**
   * Too many early events: gives all of them up. Their invalidations are sent again without the
   * resubmitted mark (the coordinator may have stamped a marked copy already and would drop another),
   * and the flush just below the next in-order event covers everything they would have changed.
   */
  private void giveUpEarly() {
    if (earlyLog.allow()) {
      LOG.warn("node {}: {} cluster events ({} bytes) arrived for a view not installed here yet; giving them up"
          + " and flushing at the next event", nodeName, early.size(), earlyBytes);
    }
    for (Early e : early) {
      counters.eventsOutOfOrder.increment();
      boolean forMe = e.env().audience() == Frames.AUDIENCE_ALL || e.env().submitter().equals(nodeName);
      if (!forMe) {
        continue;
      }
      try {
        FrameReader payload = new FrameReader(e.payload(), 0, e.payload().length);
        switch (e.env().payloadType()) {
          case Frames.PAYLOAD_INVALIDATION -> resendUnmarked(EventCodec.readInvalidation(payload), e.env().flags());
          case Frames.PAYLOAD_FLUSH -> { } // covered by the flush below
          default -> counters.fillsDropped.increment();
        }
      } catch (MalformedFrameException ex) {
        counters.framesRejected.increment();
      }
    }
    early.clear();
    earlyBytes = 0;
    flushPending = sink != null;
  }

  /** Late (old term) or not in order when its view came: never apply, but keep invalidations. */
  private void outOfOrder(Frames.Envelope env, FrameReader payload) throws MalformedFrameException {
    counters.eventsOutOfOrder.increment();
    switch (env.payloadType()) {
      case Frames.PAYLOAD_INVALIDATION -> resend(EventCodec.readInvalidation(payload),
          env.flags() & Frames.FLAG_FROM_OTHER_REGION);
      case Frames.PAYLOAD_FLUSH -> {
        if (env.audience() == Frames.AUDIENCE_ALL) {
          submit.accept(Frames.submitFlush(nodeName, Frames.AUDIENCE_ALL, 0, EventCodec.readFlush(payload)));
        }
      }
      default -> counters.fillsDropped.increment();
    }
  }

  private void applyFlush(long sequence) {
    if (sink != null) {
      counters.flushes.increment();
      apply(sequence, new CacheEvent.Flush(nodeName));
    }
  }

  private void resend(CacheEvent.Invalidation inv, int flags) {
    counters.invalidationsResubmitted.increment();
    submit.accept(Frames.submitInvalidation(nodeName, flags | Frames.FLAG_RESUBMITTED, inv));
  }

  /** Sent again without the resubmitted mark: the coordinator stamps it even if it stamped a copy. */
  private void resendUnmarked(CacheEvent.Invalidation inv, int flags) {
    counters.invalidationsResubmitted.increment();
    submit.accept(Frames.submitInvalidation(nodeName, flags & Frames.FLAG_FROM_OTHER_REGION, inv));
  }

  private void remember(CacheEvent.Invalidation inv, int flags) {
    if (tuning.maxRecent() == 0) {
      return;
    }
    if (recent.size() >= tuning.maxRecent()) {
      recent.removeFirst();
    }
    recent.addLast(new Recent(inv, flags, System.nanoTime()));
  }

  private void apply(long sequence, CacheEvent event) {
    if (sink == null) {
      return;
    }
    lastApplied = sequence;
    try {
      sink.deliver(sequence, event);
    } catch (RuntimeException e) {
      counters.applyFailures.increment();
      if (applyLog.allow()) {
        LOG.error("node {}: the cache failed to apply {} at {}; continuing", nodeName,
            event.getClass().getSimpleName(), SequenceSpace.format(sequence), e);
      }
    }
  }

  private boolean touchesRenumbering(CacheEvent.Fill fill) {
    for (Renumbered r : renumbering.values()) {
      if (r.invalidation().touches(fill.key().database(), fill.result().dependencies())) {
        return true;
      }
    }
    return false;
  }

  private static String key(CacheEvent.Invalidation inv) {
    return inv.originNode() + "/" + inv.id();
  }
}
