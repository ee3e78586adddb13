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
 * sockets are held open together so that no two of the returned ports are the same.
 */
final class FreePorts {

  private FreePorts() {}

  static List<HostPort> loopback(int count) {
    List<ServerSocket> held = new ArrayList<>();
    try {
      List<HostPort> out = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        s.setReuseAddress(true);
        held.add(s);
        out.add(new HostPort("127.0.0.1", s.getLocalPort()));
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
