package dev.outpost.proxy.config;

import java.util.Objects;

/**
 * A host and a TCP port as operators write them: {@code 127.0.0.1:6432}, {@code db.internal:6432},
 * {@code [::1]:6432}. Used for {@code listen}, {@code metrics} and the cluster addresses.
 *
 * <p>Guarantees: the host is non-empty and holds no whitespace, quotes or control characters (it is
 * not resolved here); the port is 0–65535 (0 asks the operating system for a free port, which is
 * useful in tests).
 *
 * @param host a host name or a literal address, IPv6 without brackets
 * @param port the port
 */
public record HostPort(String host, int port) {

  /** Validates the host's characters and the port's range. */
  public HostPort {
    Objects.requireNonNull(host, "host");
    if (host.isEmpty() || !host.chars().allMatch(HostPort::hostChar)) {
      throw new IllegalArgumentException("host \"" + host + "\" is not a host name or address");
    }
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("port " + port + " is outside 0..65535");
    }
  }

  private static boolean hostChar(int c) {
    return Character.isLetterOrDigit(c) || c == '.' || c == '-' || c == '_' || c == ':' || c == '%';
  }

  /**
   * Parses {@code HOST:PORT} (an IPv6 literal in brackets).
   *
   * @throws IllegalArgumentException with a phrase that completes "{@code "<value>" …}"
   */
  public static HostPort parse(String text) {
    String value = text == null ? "" : text.trim();
    String host;
    String port;
    if (value.startsWith("[")) {
      int close = value.indexOf(']');
      if (close < 0 || close + 1 >= value.length() || value.charAt(close + 1) != ':') {
        throw new IllegalArgumentException("is not HOST:PORT");
      }
      host = value.substring(1, close);
      port = value.substring(close + 2);
    } else {
      int colon = value.lastIndexOf(':');
      if (colon <= 0 || value.indexOf(':') != colon) {
        throw new IllegalArgumentException("is not HOST:PORT");
      }
      host = value.substring(0, colon);
      port = value.substring(colon + 1);
    }
    int p;
    try {
      p = Integer.parseInt(port);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("has a port that is not a number");
    }
    if (p < 0 || p > 65_535) {
      throw new IllegalArgumentException("has a port outside 0..65535");
    }
    if (host.isEmpty() || !host.chars().allMatch(HostPort::hostChar)) {
      throw new IllegalArgumentException("has a host that is not a host name or address");
    }
    return new HostPort(host, p);
  }

  /** {@code host:port}, with brackets around an IPv6 literal. */
  @Override
  public String toString() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
