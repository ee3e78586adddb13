package dev.outpost.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A host and a TCP port, as operators write them in {@code cluster.bind} or {@code
 * cluster.peers}: {@code 10.0.0.5:7800}, {@code eu-1.internal:7800} or {@code [fe80::1]:7800}.
 *
 * <p>Guarantees: the host is a syntactically plausible name or literal address (letters, digits,
 * {@code . - _ :} and nothing that could break out of a stack file or a log line), and the port is
 * 0–65535 (0 asks the operating system for a free port; useful in tests only, since peers must
 * know it). Names are not resolved here.
 *
 * @param host the host name or literal address, without brackets
 * @param port the port
 */
public record HostPort(String host, int port) {

  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9._:%-]{1,253}");

  /** Validates the host's characters and the port's range. */
  public HostPort {
    Objects.requireNonNull(host, "host");
    if (!HOST.matcher(host).matches()) {
      throw new IllegalArgumentException("host \"" + host
          + "\" is not a host name or address (use letters, digits, '.', '-', or an IPv6 literal)");
    }
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("port " + port + " is outside 0-65535");
    }
  }

  /**
   * Parses {@code host:port} (IPv6 literals in brackets) for config key {@code key}; errors name
   * the key, the value and the accepted form.
   */
  public static HostPort parse(String key, String text) {
    String value = text == null ? "" : text.trim();
    String host;
    String port;
    if (value.startsWith("[")) {
      int close = value.indexOf(']');
      if (close < 0 || close + 1 >= value.length() || value.charAt(close + 1) != ':') {
        throw invalid(key, text);
      }
      host = value.substring(1, close);
      port = value.substring(close + 2);
    } else {
      int colon = value.lastIndexOf(':');
      if (colon <= 0 || value.indexOf(':') != colon) {
        throw invalid(key, text);
      }
      host = value.substring(0, colon);
      port = value.substring(colon + 1);
    }
    int p;
    try {
      p = Integer.parseInt(port);
    } catch (NumberFormatException e) {
      throw invalid(key, text);
    }
    try {
      return new HostPort(host, p);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(key + " \"" + text + "\" is invalid: " + e.getMessage(), e);
    }
  }

  /**
   * Parses a comma-separated list of {@code host:port} for config key {@code key}; blank entries
   * are rejected, an empty or blank text gives an empty list.
   */
  public static List<HostPort> parseList(String key, String text) {
    List<HostPort> out = new ArrayList<>();
    if (text == null || text.isBlank()) {
      return out;
    }
    for (String part : text.split(",", -1)) {
      if (part.isBlank()) {
        throw new IllegalArgumentException(key + " \"" + text
            + "\" has an empty entry: use host:port,host:port without empty items");
      }
      out.add(parse(key, part));
    }
    return List.copyOf(out);
  }

  private static IllegalArgumentException invalid(String key, String text) {
    return new IllegalArgumentException(key + " \"" + text
        + "\" is invalid: use host:port with a port of 0-65535, e.g. 10.0.0.5:7800 or [fe80::1]:7800");
  }

  /** {@code host:port}, with brackets around an IPv6 literal. */
  @Override
  public String toString() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
