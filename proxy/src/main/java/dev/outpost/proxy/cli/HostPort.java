package dev.outpost.proxy.cli;

/** A {@code HOST:PORT} pair as operators write it. */
record HostPort(String host, int port) {
  static HostPort parse(String text, String what) {
    int colon = text == null ? -1 : text.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException(what + ": expected HOST:PORT, got '" + text + "'");
    }
    try {
      int port = Integer.parseInt(text.substring(colon + 1));
      if (port < 0 || port > 65535) {
        throw new NumberFormatException();
      }
      String host = text.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      return new HostPort(host, port);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(what + ": port must be 0-65535 in '" + text + "'");
    }
  }
}
