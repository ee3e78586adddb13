package dev.outpost.proxy.origin;

import dev.outpost.wire.backend.BackendKeyData;
import io.netty.channel.Channel;
import java.util.Map;

/** Origin connections over a test channel, for tests outside this package (no pool, no login). */
public final class OriginConnections {
  private OriginConnections() {}

  /** A connection to backend 1 over {@code channel}, as the pool hands it out after login. */
  public static OriginConnection over(Channel channel) {
    return new OriginConnection(channel, null, new dev.outpost.proxy.config.OriginHost("127.0.0.1", 5432), new BackendKeyData(1, new byte[4]), Map.of(), 10);
  }
}
