package dev.outpost.proxy.origin;

import dev.outpost.wire.PgWireException;
import io.netty.channel.EventLoop;

/**
 * One request for a connection, waiting in a pool's FIFO queue. Exactly one of {@link
 * #offer(OriginConnection)} returning true or {@link #fail(PgWireException)} takes effect.
 */
public interface PoolWaiter {
  /** The loop the waiter prefers connections on (and is called back on). */
  EventLoop eventLoop();

  /**
   * Hands a connection over; returns false when the waiter gave up meanwhile (timed out, client
   * gone), in which case the pool keeps the connection.
   */
  boolean offer(OriginConnection connection);

  /** The pool cannot serve this waiter (origin down, login refused). */
  void fail(PgWireException error);
}
