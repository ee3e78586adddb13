package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.proxy.config.OriginUrl;
import dev.outpost.proxy.origin.OriginConnector;
import dev.outpost.proxy.origin.OriginSocketSettings;
import dev.outpost.proxy.server.Transport;
import dev.outpost.wire.frontend.CancelRequest;
import io.netty.channel.EventLoopGroup;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * An origin that resets the node's sockets (as one does while it shuts down): every cancel and
 * connect ends, and none costs the node a WARN with a stack trace ("An exceptionCaught() event was
 * fired, and it reached at the tail of the pipeline", seen in soak runs at every origin restart).
 * These real sockets did not produce the event order behind that warning here, also without the
 * handler that prevents it; {@code EarlyErrorsTest} checks the handler itself.
 */
class OriginSocketResetTest {
  private static final int ATTEMPTS = 30;
  private static final int REFUSED = 200;
  private static final int QUEUED = 200;

  @Test
  void socketsTheOriginResets_endQuietly() throws Exception {
    Transport transport = Transport.best();
    EventLoopGroup group = transport.newGroup(1, "reset-test");
    try (CapturedLog captured = CapturedLog.attach();
        ServerSocket origin = new ServerSocket(0, 100, InetAddress.getLoopbackAddress())) {
      CountDownLatch reset = new CountDownLatch(ATTEMPTS * 2);
      Thread resetter = new Thread(() -> {
        try {
          while (reset.getCount() > 0) {
            Socket s = origin.accept();
            s.setSoLinger(true, 0); // close with RST, not FIN
            s.close();
            reset.countDown();
          }
        } catch (java.io.IOException e) {
          // the server socket closed: the test is over
        }
      }, "resetter");
      resetter.start();
      OriginUrl url = OriginUrl.parse("postgresql://app:secret@127.0.0.1:" + origin.getLocalPort() + "/db?sslmode=disable");
      OriginConnector connector = new OriginConnector(transport.clientChannel(),
          new OriginSocketSettings(Duration.ofSeconds(5), Duration.ZERO, Duration.ZERO), null);
      for (int i = 0; i < ATTEMPTS; i++) {
        connector.cancel(group.next(), url, new CancelRequest(1000 + i, new byte[] {1, 2, 3, 4}));
        connector.verifyLogin(group.next(), url, null);
      }
      assertThat(reset.await(30, TimeUnit.SECONDS)).as("the origin reset every socket").isTrue();
      // and a port nobody listens on: the SYN is answered with RST
      int closedPort;
      try (ServerSocket gone = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        closedPort = gone.getLocalPort();
      }
      OriginUrl refused = OriginUrl.parse("postgresql://app:secret@127.0.0.1:" + closedPort + "/db?sslmode=disable");
      CountDownLatch failed = new CountDownLatch(REFUSED);
      for (int i = 0; i < REFUSED; i++) {
        connector.cancel(group.next(), refused, new CancelRequest(2000 + i, new byte[] {1, 2, 3, 4}));
        connector.verifyLogin(group.next(), refused, null).addListener(f -> failed.countDown());
      }
      assertThat(failed.await(30, TimeUnit.SECONDS)).as("every connect to the closed port failed").isTrue();
      // and connections the origin's kernel accepted but the origin closed its listening socket on
      // (a shutdown): the loop is busy meanwhile, so the connect's completion and the reset arrive
      // in one event
      ServerSocket closing = new ServerSocket(0, 500, InetAddress.getLoopbackAddress());
      try {
        OriginUrl shuttingDown = OriginUrl.parse("postgresql://app:secret@127.0.0.1:" + closing.getLocalPort()
            + "/db?sslmode=disable");
        io.netty.channel.EventLoop loop = group.next();
        CountDownLatch ended = new CountDownLatch(QUEUED);
        for (int i = 0; i < QUEUED; i++) {
          connector.cancel(loop, shuttingDown, new CancelRequest(3000 + i, new byte[] {1, 2, 3, 4}));
          connector.verifyLogin(loop, shuttingDown, null).addListener(f -> ended.countDown());
        }
        CountDownLatch busy = new CountDownLatch(1);
        CountDownLatch resume = new CountDownLatch(1);
        loop.execute(() -> {
          busy.countDown();
          try {
            resume.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
        assertThat(busy.await(10, TimeUnit.SECONDS)).isTrue();
        closing.close();
        resume.countDown();
        assertThat(ended.await(30, TimeUnit.SECONDS)).as("every connect to the closed listener ended").isTrue();
      } finally {
        closing.close(); // closed above already, unless an assertion failed before
      }
      group.shutdownGracefully(0, 5, TimeUnit.SECONDS).await(30, TimeUnit.SECONDS);
      assertThat(captured.lines()).noneMatch(l -> l.contains("reached at the tail of the pipeline"));
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }
}
