package dev.outpost.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Ports on 127.0.0.1 that were free a moment ago. Static discovery (TCPPING) needs every node's
 * port before any node starts, so ITs cannot let each node pick an ephemeral port itself; the
 * sockets are held open together so that no two of the returned ports are the same. No two lie 100
 * to 104 apart either: a transport's failure detector listens on its port + 100 (up to + 104), and
 * a node refuses a cluster and relay port in that range of each other (CrossRegionRelayIT drew
 * 45099 and 45199 once).
 */
final class FreePorts {

  private FreePorts() {}

  static List<HostPort> loopback(int count) {
    List<ServerSocket> held = new ArrayList<>();
    try {
      List<HostPort> out = new ArrayList<>();
      List<Integer> chosen = new ArrayList<>();
      for (int attempt = 0; out.size() < count; attempt++) {
        if (attempt >= count + 100) {
          throw new IOException("no " + count + " free ports clear of each other's failure-detector ports");
        }
        ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        s.setReuseAddress(true);
        held.add(s); // held until the end, so a refused port is not offered again
        int port = s.getLocalPort();
        if (chosen.stream().noneMatch(other -> ClusterConfig.failureDetectorsClash(port, other))) {
          chosen.add(port);
          out.add(new HostPort("127.0.0.1", port));
        }
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      for (ServerSocket s : held) {
        try {
          s.close();
        } catch (IOException ignored) {
          // best effort
        }
      }
    }
  }
}
