package dev.outpost.bench.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Free loopback ports for child processes that must be told their port up front. */
public final class Ports {
  private Ports() {}

  /**
   * A port that was free a moment ago. Another process may take it before the child binds; the
   * child then fails to start and says so, which the bench reports.
   */
  public static int freeLoopbackPort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free loopback port", e);
    }
  }
}
