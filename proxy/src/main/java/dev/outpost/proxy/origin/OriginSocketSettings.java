package dev.outpost.proxy.origin;

import dev.outpost.proxy.config.ProxyConfig;
import java.time.Duration;

/**
 * How sockets to the origin are opened and watched. An origin far away is reached through NATs,
 * firewalls and load balancers that may drop a connection without telling either end; these
 * settings make a node notice within about a minute instead of the kernel's defaults (two hours
 * for an idle connection, ~15 minutes for one with unacknowledged data), so that requests fail
 * with 08006 and the pool reconnects rather than clients hanging.
 *
 * @param connectTimeout bound on opening and logging in to an origin connection
 * @param keepalive idle time before the first TCP keepalive probe; probes then go every third of
 *     it and three unanswered ones close the connection; zero leaves the operating system's
 *     keepalive timing (keepalive stays on)
 * @param userTimeout how long sent data may stay unacknowledged before the kernel gives the
 *     connection up (TCP_USER_TIMEOUT, epoll transport only); zero leaves the system default
 */
public record OriginSocketSettings(Duration connectTimeout, Duration keepalive, Duration userTimeout) {
  /** Seconds before the first probe (whole seconds, at least 1), or 0 for the system's timing. */
  int keepaliveIdleSeconds() {
    return keepalive.isZero() ? 0 : (int) Math.max(1, Math.min(ProxyConfig.MAX_KEEPALIVE_SECONDS, keepalive.toSeconds()));
  }

  /** Seconds between probes: a third of the idle time, at least 1. */
  int keepaliveIntervalSeconds() {
    return Math.max(1, keepaliveIdleSeconds() / 3);
  }

  /** Unanswered probes before the connection is closed. */
  static final int KEEPALIVE_PROBES = 3;
}
