package dev.outpost.bench.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/** Free loopback ports for child processes that must be told their port up front. */
public final class Ports {
  private Ports() {}

  /** Ports handed out in this JVM. */
  private static final Set<Integer> HANDED_OUT = new HashSet<>();

  /**
   * A port that was free a moment ago, never one handed out before nor 100 to 104 away from one: a
   * node's cluster transport has its failure detector on its port + 100 (up to + 104), and a node
   * refuses a cluster and relay port in that range of each other (the rule of the cluster module's
   * {@code ClusterConfig.failureDetectorsClash}, restated: the bench runs nodes as processes and
   * does not depend on that module). Another process may take the
   * port before the child binds; the child then fails to start and says so, which the bench reports.
   */
  public static synchronized int freeLoopbackPort() {
    for (int attempt = 0; attempt < 100; attempt++) {
      int port;
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        s.setReuseAddress(true);
        port = s.getLocalPort();
      } catch (IOException e) {
        throw new UncheckedIOException("no free loopback port", e);
      }
      if (HANDED_OUT.stream().noneMatch(other -> port == other
          || (Math.abs(port - other) >= 100 && Math.abs(port - other) <= 104))) {
        HANDED_OUT.add(port);
        return port;
      }
    }
    throw new UncheckedIOException(new IOException("no free loopback port clear of the failure detectors' ports"));
  }
}
