package dev.outpost.proxy.origin;

import dev.outpost.wire.Frame;
import io.netty.channel.EventLoop;

/**
 * Receives what an origin connection delivers while it is bound to a client session. All calls
 * arrive on {@link #eventLoop()}; frames are owned by the callee.
 */
public interface OriginListener {
  /** The event loop that the listener's state is confined to. */
  EventLoop eventLoop();

  /** One backend message from the origin. */
  void onOriginFrame(OriginConnection connection, Frame frame);

  /** The origin has no more bytes for now: a good moment to flush towards the client. */
  default void onOriginReadComplete(OriginConnection connection) {}

  /** The connection closed or failed; {@code cause} says why. */
  void onOriginClosed(OriginConnection connection, Throwable cause);

  /** The connection's write buffer drained below its low-water mark (or filled above the high one). */
  default void onOriginWritabilityChanged(OriginConnection connection, boolean writable) {}
}
