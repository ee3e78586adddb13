package dev.outpost.proxy;

import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A man in the middle for Postgres over TLS, on loopback: it answers a client's SSLRequest, ends
 * the client's TLS with its own certificate, opens its own TLS to the real server and relays the
 * plaintext between the two. A client that does not check certificates (sslmode=require) cannot
 * tell — unless its SCRAM login is bound to the channel, which the server then refuses.
 */
final class TlsInterceptor implements AutoCloseable {
  private static final byte[] SSL_REQUEST = {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x2f};

  private final ServerSocket server;
  private final int targetPort;
  private final SSLContext ownCertificate;
  private final SSLContext trustingAnything;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();

  TlsInterceptor(int targetPort, Path cert, Path key) throws Exception {
    this.targetPort = targetPort;
    this.ownCertificate = ((JdkSslContext) SslContextBuilder.forServer(cert.toFile(), key.toFile())
        .sslProvider(SslProvider.JDK).build()).context();
    this.trustingAnything = ((JdkSslContext) SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
        .trustManager(InsecureTrustManagerFactory.INSTANCE).build()).context();
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(this::acceptLoop, "tls-interceptor");
    accept.setDaemon(true);
    accept.start();
  }

  int port() {
    return server.getLocalPort();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        sockets.add(client);
        Thread t = new Thread(() -> intercept(client), "tls-interceptor-connection");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void intercept(Socket client) {
    try {
      new DataInputStream(client.getInputStream()).readFully(new byte[8]); // the client's SSLRequest
      client.getOutputStream().write('S');
      SSLSocket towardsClient = (SSLSocket) ownCertificate.getSocketFactory()
          .createSocket(client, null, client.getPort(), true);
      towardsClient.setUseClientMode(false);
      towardsClient.startHandshake();

      Socket origin = new Socket(InetAddress.getLoopbackAddress(), targetPort);
      sockets.add(origin);
      origin.getOutputStream().write(SSL_REQUEST);
      if (origin.getInputStream().read() != 'S') {
        throw new IOException("the server refused TLS");
      }
      SSLSocket towardsOrigin = (SSLSocket) trustingAnything.getSocketFactory()
          .createSocket(origin, "localhost", targetPort, true);
      towardsOrigin.startHandshake();
      sockets.add(towardsClient);
      sockets.add(towardsOrigin);
      FirstByteRelay.pump(towardsClient, towardsOrigin, b -> { });
      FirstByteRelay.pump(towardsOrigin, towardsClient, b -> { });
    } catch (IOException e) {
      FirstByteRelay.closeQuietly(client);
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    sockets.forEach(FirstByteRelay::closeQuietly);
  }
}
