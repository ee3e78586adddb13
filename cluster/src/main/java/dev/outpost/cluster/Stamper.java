package dev.outpost.cluster;

import dev.outpost.cache.CacheEvent;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sending half of the bus, run only on its outbox's thread: a node's own events go to the
 * coordinator (or, on the coordinator, straight to stamping); the coordinator numbers each
 * submission and multicasts it, then relays the region's own invalidations to the other regions.
 * Stamping and multicasting happen in one thread, one frame after the other, which is what makes
 * stamp order the order in which every member receives (NAKACK2 keeps one sender's order).
 */
final class Stamper {

  private static final Logger LOG = LoggerFactory.getLogger(Stamper.class);

  private final String nodeName;
  private final String region;
  private final boolean relayEnabled;
  private final Sequencer sequencer;
  private final BusCounters counters;
  private final LogThrottle exhaustedLog = new LogThrottle(60, TimeUnit.SECONDS);
  private volatile BusTransport transport;

  Stamper(String nodeName, String region, boolean relayEnabled, Sequencer sequencer, BusCounters counters) {
    this.nodeName = nodeName;
    this.region = region;
    this.relayEnabled = relayEnabled;
    this.sequencer = sequencer;
    this.counters = counters;
  }

  void transport(BusTransport channel) {
    this.transport = channel;
  }

  void send(Outbox.Item item) throws Exception {
    switch (item.kind()) {
      case SUBMIT -> {
        if (sequencer.active()) {
          stamp(item.frame()); // this node is coordinator: no round trip to itself
        } else {
          transport.sendToCoordinator(item.frame());
          counters.bytesSent.add(item.frame().length);
        }
      }
      case STAMP -> stamp(item.frame());
      case RELAY -> relay(item.frame());
    }
  }

  private void stamp(byte[] submit) throws Exception {
    FrameReader in = new FrameReader(submit, 0, submit.length);
    Frames.readKind(in);
    Frames.Envelope env = Frames.readEnvelope(in);
    if (env.has(Frames.FLAG_RESUBMITTED) && env.payloadType() == Frames.PAYLOAD_INVALIDATION) {
      CacheEvent.Invalidation inv = EventCodec.readInvalidation(in);
      if (!sequencer.firstResubmission(inv.originNode() + "/" + inv.id())) {
        return; // every member sends its copy after a coordinator change; one is enough
      }
    }
    long sequence = sequencer.next();
    if (sequence < 0) {
      if (sequencer.exhausted() && exhaustedLog.allow()) {
        LOG.error("node {}: the sequence space of this coordinator term is used up (epoch {}); cache events are"
            + " dropped until the coordinator changes — restart this node to hand over", nodeName, sequencer.epoch());
      }
      if (env.payloadType() == Frames.PAYLOAD_FILL || env.payloadType() == Frames.PAYLOAD_RETAINED_FILL) {
        counters.fillsDropped.increment();
      }
      return; // no longer coordinator: submitters send their invalidations again
    }
    counters.eventsSequenced.increment();
    byte[] frame = Frames.sequenced(sequence, submit);
    transport.multicast(frame);
    counters.bytesSent.add(frame.length);
    if (relayEnabled && env.payloadType() == Frames.PAYLOAD_INVALIDATION && !env.has(Frames.FLAG_FROM_OTHER_REGION)) {
      relay(Frames.relayed(region, submit, env.payloadOffset(), submit.length - env.payloadOffset()));
      counters.invalidationsRelayedOut.increment();
    }
  }

  private void relay(byte[] frame) throws Exception {
    transport.relay(frame);
    counters.bytesSent.add(frame.length);
  }
}
