package dev.outpost.proxy.config;

import java.util.Objects;

/**
 * One host of the origin URL. When the URL lists several, a new origin connection tries them in
 * turn (libpq's multi-host failover): it goes on to the next host when one cannot be reached, does
 * not finish the login in time, is starting up or shutting down (SQLSTATE 57P03), or does not suit
 * {@code target_session_attrs} (a standby after a failover); any other refusal (a wrong password,
 * an unknown database, too many connections) is final, as in libpq.
 *
 * @param host name or address
 * @param port TCP port
 */
public record OriginHost(String host, int port) {

  public OriginHost {
    Objects.requireNonNull(host, "host");
    if (host.isEmpty()) {
      throw new IllegalArgumentException("invalid origin URL: no host");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("invalid origin port " + port);
    }
  }

  /** host:port, an IPv6 address in brackets. */
  public String address() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  @Override
  public String toString() {
    return address();
  }
}
