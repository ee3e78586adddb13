package dev.outpost.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntConsumer;

/**
 * A TCP relay on loopback that notes the first byte each connection sends, to tell how a client
 * opened it: 0x16 is a TLS handshake started at once, 0x00 the length of an SSLRequest, a
 * CancelRequest or a StartupMessage.
 */
final class FirstByteRelay implements AutoCloseable {
  private final ServerSocket server;
  private final int targetPort;
  private final List<Integer> firstBytes = new CopyOnWriteArrayList<>();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();

  FirstByteRelay(int targetPort) throws IOException {
    this.targetPort = targetPort;
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(this::acceptLoop, "first-byte-relay");
    accept.setDaemon(true);
    accept.start();
  }

  int port() {
    return server.getLocalPort();
  }

  /** The first byte of every connection that sent one, in the order they arrived. */
  List<Integer> firstBytes() {
    return List.copyOf(firstBytes);
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket origin = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        sockets.add(client);
        sockets.add(origin);
        pump(client, origin, true);
        pump(origin, client, false);
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void pump(Socket from, Socket to, boolean noteFirst) {
    pump(from, to, noteFirst ? firstBytes::add : b -> { });
  }

  /**
   * Copies {@code from} to {@code to} on a thread of its own until either side closes, then closes
   * both; {@code firstByte} sees the first byte that passes.
   */
  static void pump(Socket from, Socket to, IntConsumer firstByte) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[16384];
      boolean first = true;
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int n;
        while ((n = in.read(buf)) > 0) {
          if (first) {
            firstByte.accept(buf[0] & 0xFF);
            first = false;
          }
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // one side closed; closing both ends the other pump
      } finally {
        closeQuietly(from);
        closeQuietly(to);
      }
    }, "relay-pump");
    t.setDaemon(true);
    t.start();
  }

  static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    sockets.forEach(FirstByteRelay::closeQuietly);
  }
}
