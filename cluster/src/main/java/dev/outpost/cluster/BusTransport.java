package dev.outpost.cluster;

/**
 * What the cache bus needs from the group channel, in its own terms, so that the ordering logic
 * holds no JGroups types and can be driven directly in tests. Calls come from the bus's single
 * sender thread; implementations may block (flow control) but must not call back into the bus.
 */
interface BusTransport {

  /** Sends a frame to the coordinator of the current view (itself included, by loopback). */
  void sendToCoordinator(byte[] frame) throws Exception;

  /** Sends a frame to every member of the region, this node included, in FIFO order per sender. */
  void multicast(byte[] frame) throws Exception;

  /** Sends a frame to the site master of every other region; never called without a relay. */
  void relay(byte[] frame) throws Exception;
}
