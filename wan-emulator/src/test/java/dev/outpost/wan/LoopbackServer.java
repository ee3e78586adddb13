package dev.outpost.wan;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A blocking loopback TCP server for tests: one daemon thread per connection runs {@code handler}. */
final class LoopbackServer implements AutoCloseable {

  /** What the server does with each accepted socket; the socket is closed when it returns. */
  interface Handler {
    void handle(Socket socket) throws IOException;
  }

  private final ServerSocket server;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final List<Throwable> failures = new CopyOnWriteArrayList<>();

  LoopbackServer(Handler handler) {
    try {
      server = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Thread acceptor = new Thread(() -> {
      while (!server.isClosed()) {
        try {
          Socket socket = server.accept();
          socket.setTcpNoDelay(true);
          socket.setSoTimeout(30_000);
          sockets.add(socket);
          Thread worker = new Thread(() -> {
            try (socket) {
              handler.handle(socket);
            } catch (SocketException e) {
              // the peer went away; tests that care assert on what they received
            } catch (IOException | RuntimeException | AssertionError e) {
              failures.add(e);
            }
          }, "loopback-conn");
          worker.setDaemon(true);
          worker.start();
        } catch (IOException e) {
          return; // closed
        }
      }
    }, "loopback-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** Echoes every byte back until the client closes. */
  static LoopbackServer echo() {
    return new LoopbackServer(socket -> {
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      byte[] buf = new byte[8192];
      int n;
      while ((n = in.read(buf)) >= 0) {
        out.write(buf, 0, n);
        out.flush();
      }
    });
  }

  int port() {
    return server.getLocalPort();
  }

  /** Errors thrown by handlers (other than the peer going away). */
  List<Throwable> failures() {
    return failures;
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : sockets) {
      s.close();
    }
  }
}
