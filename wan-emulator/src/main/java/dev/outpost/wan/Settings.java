package dev.outpost.wan;

import io.netty.buffer.ByteBufAllocator;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * Everything one emulator needs per connection, fixed at {@link WanEmulator.Builder#start()}.
 *
 * @param target where every accepted client is relayed to
 * @param up latency of the client-to-target direction
 * @param down latency of the target-to-client direction
 * @param chargeHandshake whether a new connection's first client bytes also wait one round trip,
 *     the TCP handshake a real distant server would have cost
 * @param highWater in-flight bytes per direction at which reading that direction's source pauses
 * @param lowWater in-flight bytes at which it resumes
 * @param allocator buffer allocator for every channel
 */
record Settings(InetSocketAddress target, OneWayLatency up, OneWayLatency down, boolean chargeHandshake,
    long highWater, long lowWater, ByteBufAllocator allocator) {

  Settings {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(up, "up");
    Objects.requireNonNull(down, "down");
    Objects.requireNonNull(allocator, "allocator");
    if (lowWater < 0 || highWater < lowWater) {
      throw new IllegalArgumentException("need 0 <= lowWater <= highWater: " + lowWater + ", " + highWater);
    }
  }

  /** One emulated round trip, the cost of the TCP handshake the relay's local accept skipped. */
  long handshakeNanos() {
    return chargeHandshake ? up.delayNanos() + down.delayNanos() : 0;
  }
}
