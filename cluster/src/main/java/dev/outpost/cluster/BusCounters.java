package dev.outpost.cluster;

import java.util.concurrent.atomic.LongAdder;

/** The bus's counters; cheap to bump from any thread, read as a {@link ClusterStats} snapshot. */
final class BusCounters {
  final LongAdder fillsSent = new LongAdder();
  final LongAdder fillsLocalOnly = new LongAdder();
  final LongAdder fillsReceived = new LongAdder();
  final LongAdder fillsDropped = new LongAdder();
  final LongAdder invalidationsSent = new LongAdder();
  final LongAdder invalidationsReceived = new LongAdder();
  final LongAdder invalidationsResubmitted = new LongAdder();
  final LongAdder invalidationsRelayedOut = new LongAdder();
  final LongAdder invalidationsRelayedIn = new LongAdder();
  final LongAdder flushes = new LongAdder();
  final LongAdder eventsSequenced = new LongAdder();
  final LongAdder eventsOutOfOrder = new LongAdder();
  final LongAdder framesRejected = new LongAdder();
  final LongAdder applyFailures = new LongAdder();
  final LongAdder sendFailures = new LongAdder();
  final LongAdder bytesSent = new LongAdder();
  final LongAdder bytesReceived = new LongAdder();

  ClusterStats snapshot() {
    return new ClusterStats(
        fillsSent.sum(), fillsLocalOnly.sum(), fillsReceived.sum(), fillsDropped.sum(),
        invalidationsSent.sum(), invalidationsReceived.sum(), invalidationsResubmitted.sum(),
        invalidationsRelayedOut.sum(), invalidationsRelayedIn.sum(), flushes.sum(),
        eventsSequenced.sum(), eventsOutOfOrder.sum(), framesRejected.sum(), applyFailures.sum(), sendFailures.sum(),
        bytesSent.sum(), bytesReceived.sum());
  }
}
