package dev.outpost.wan;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The relay over real loopback sockets. Timing is asserted only as lower bounds (the delay) and as
 * ordering; nothing here assumes how fast the machine is.
 */
class WanEmulatorIT {
  private static final long MS = 1_000_000L;

  // Unpooled and instrumented: after close, its counters prove every buffer was released.
  private final UnpooledByteBufAllocator allocator = new UnpooledByteBufAllocator(true);
  private final List<AutoCloseable> resources = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = resources.size() - 1; i >= 0; i--) {
      resources.get(i).close();
    }
  }

  private <T extends AutoCloseable> T closeLater(T resource) {
    resources.add(resource);
    return resource;
  }

  private WanEmulator.Builder wanTo(LoopbackServer target) {
    return WanEmulator.builder().listen("127.0.0.1", 0).target("127.0.0.1", target.port()).allocator(allocator);
  }

  private Socket connect(WanEmulator wan) throws IOException {
    Socket socket = closeLater(new Socket(InetAddress.getLoopbackAddress(), wan.port()));
    socket.setTcpNoDelay(true);
    socket.setSoTimeout(30_000);
    return socket;
  }

  private static byte[] readExactly(InputStream in, int n) throws IOException {
    byte[] bytes = in.readNBytes(n);
    assertThat(bytes).hasSize(n);
    return bytes;
  }

  private static void awaitTrue(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime() - deadline).as("still waiting for: " + what).isNegative();
      Thread.sleep(10);
    }
  }

  private void assertNoBufferLeft(WanEmulator wan) throws InterruptedException {
    wan.close();
    awaitTrue("every relay buffer released",
        () -> allocator.metric().usedDirectMemory() == 0 && allocator.metric().usedHeapMemory() == 0);
  }

  @Test
  void upstreamDelay_holdsClientBytesBackAtLeastThatLong() throws Exception {
    BlockingQueue<Long> arrivals = new ArrayBlockingQueue<>(1);
    LoopbackServer target = closeLater(new LoopbackServer(s -> {
      s.getInputStream().read();
      arrivals.add(System.nanoTime());
      s.getOutputStream().write('!');
    }));
    WanEmulator wan = closeLater(wanTo(target).delay(Duration.ofMillis(150), Duration.ZERO)
        .chargeHandshake(false).start());
    Socket client = connect(wan);

    long sentAt = System.nanoTime();
    client.getOutputStream().write('?');
    long arrivedAt = arrivals.poll(30, TimeUnit.SECONDS);
    assertThat(client.getInputStream().read()).isEqualTo('!');

    assertThat(arrivedAt - sentAt).isGreaterThanOrEqualTo(150 * MS);
  }

  @Test
  void downstreamDelay_holdsServerBytesBackAtLeastThatLong() throws Exception {
    BlockingQueue<Long> departures = new ArrayBlockingQueue<>(1);
    LoopbackServer target = closeLater(new LoopbackServer(s -> {
      s.getInputStream().read();
      departures.add(System.nanoTime());
      s.getOutputStream().write('!');
    }));
    WanEmulator wan = closeLater(wanTo(target).delay(Duration.ZERO, Duration.ofMillis(150))
        .chargeHandshake(false).start());
    Socket client = connect(wan);

    client.getOutputStream().write('?');
    assertThat(client.getInputStream().read()).isEqualTo('!');
    long receivedAt = System.nanoTime();

    assertThat(receivedAt - departures.poll(30, TimeUnit.SECONDS)).isGreaterThanOrEqualTo(150 * MS);
  }

  @Test
  void roundTrip_costsAtLeastBothDelays() throws Exception {
    LoopbackServer target = closeLater(LoopbackServer.echo());
    WanEmulator wan = closeLater(wanTo(target).delay(Duration.ofMillis(40), Duration.ofMillis(60))
        .chargeHandshake(false).start());
    Socket client = connect(wan);

    for (int i = 0; i < 3; i++) {
      long start = System.nanoTime();
      client.getOutputStream().write('a' + i);
      assertThat(client.getInputStream().read()).isEqualTo('a' + i);
      assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(100 * MS);
    }
  }

  @Test
  void newConnection_paysTheHandshakeRoundTripBeforeItsFirstBytes() throws Exception {
    BlockingQueue<Long> arrivals = new ArrayBlockingQueue<>(1);
    LoopbackServer target = closeLater(new LoopbackServer(s -> {
      s.getInputStream().read();
      arrivals.add(System.nanoTime());
    }));
    WanEmulator wan = closeLater(wanTo(target).delay(Duration.ofMillis(40), Duration.ofMillis(60)).start());

    long connectAt = System.nanoTime();
    Socket client = connect(wan);
    client.getOutputStream().write('x');

    // handshake (40 + 60) plus the byte's own trip up (40)
    assertThat(arrivals.poll(30, TimeUnit.SECONDS) - connectAt).isGreaterThanOrEqualTo(140 * MS);
  }

  @Test
  void concurrentConnections_keepOrderAndContent_underJitter() throws Exception {
    LoopbackServer target = closeLater(LoopbackServer.echo());
    WanEmulator wan = closeLater(wanTo(target).delay(Duration.ofMillis(3), Duration.ofMillis(4))
        .jitter(Duration.ofMillis(5)).start());
    int connections = 20;
    int payloadSize = 96 * 1024;
    ExecutorService pool = Executors.newFixedThreadPool(2 * connections);
    try {
      List<Future<byte[]>> echoed = new ArrayList<>();
      List<byte[]> sent = new ArrayList<>();
      for (int c = 0; c < connections; c++) {
        SplittableRandom random = new SplittableRandom(c);
        byte[] payload = new byte[payloadSize];
        random.nextBytes(payload);
        sent.add(payload);
        Socket client = connect(wan);
        pool.submit(() -> {
          OutputStream out = client.getOutputStream();
          for (int off = 0; off < payload.length; ) {
            int n = Math.min(payload.length - off, 1 + random.nextInt(4096));
            out.write(payload, off, n);
            out.flush();
            off += n;
          }
          return null;
        });
        echoed.add(pool.submit(() -> readExactly(client.getInputStream(), payloadSize)));
      }
      for (int c = 0; c < connections; c++) {
        assertThat(Arrays.equals(echoed.get(c).get(60, TimeUnit.SECONDS), sent.get(c)))
            .as("connection %d echoed its bytes in order", c).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(wan.connections()).isEqualTo(connections);
    awaitTrue("byte counters complete", () -> wan.bytesRelayed() == 2L * connections * payloadSize);
    assertThat(wan.bytesUpstream()).isEqualTo((long) connections * payloadSize);
    assertThat(target.failures()).isEmpty();
    assertNoBufferLeft(wan);
  }

  @Test
  void targetClose_reachesTheClientAfterTheDataInFlight() throws Exception {
    LoopbackServer target = closeLater(new LoopbackServer(s -> {
      s.getInputStream().read();
      s.getOutputStream().write("bye".getBytes(US_ASCII));
    }));
    WanEmulator wan = closeLater(wanTo(target).delay(Duration.ZERO, Duration.ofMillis(100))
        .chargeHandshake(false).start());
    Socket client = connect(wan);

    client.getOutputStream().write('x');
    long start = System.nanoTime();
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    client.getInputStream().transferTo(received); // returns at end of stream

    assertThat(received.toString(US_ASCII)).isEqualTo("bye");
    assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(100 * MS);
    awaitTrue("connection closed on both sides", () -> wan.openConnections() == 0);
    assertNoBufferLeft(wan);
  }

  @Test
  void clientClose_reachesTheTargetAfterTheDataInFlight() throws Exception {
    BlockingQueue<String> received = new ArrayBlockingQueue<>(1);
    LoopbackServer target = closeLater(new LoopbackServer(s -> {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      s.getInputStream().transferTo(bytes); // returns at end of stream
      received.add(bytes.toString(US_ASCII));
    }));
    WanEmulator wan = closeLater(wanTo(target).delay(Duration.ofMillis(100), Duration.ZERO).start());
    Socket client = connect(wan);

    client.getOutputStream().write("last words".getBytes(US_ASCII));
    client.close();

    assertThat(received.poll(30, TimeUnit.SECONDS)).isEqualTo("last words");
    awaitTrue("connection closed on both sides", () -> wan.openConnections() == 0);
    assertNoBufferLeft(wan);
  }

  @Test
  void unreachableTarget_closesTheClient() throws Exception {
    int freePort;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      freePort = probe.getLocalPort();
    }
    WanEmulator wan = closeLater(WanEmulator.builder().target("127.0.0.1", freePort).allocator(allocator).start());
    Socket client = connect(wan);

    int read;
    try {
      read = client.getInputStream().read();
    } catch (SocketException reset) {
      read = -1;
    }

    assertThat(read).isEqualTo(-1);
    assertThat(wan.connections()).isEqualTo(1);
  }

  @Test
  void targetClosingWithClientDataInFlight_releasesThatData() throws Exception {
    LoopbackServer target = closeLater(new LoopbackServer(s -> { }));
    WanEmulator wan = closeLater(wanTo(target).delay(Duration.ofMillis(300), Duration.ZERO)
        .chargeHandshake(false).start());
    Socket client = connect(wan);

    try {
      client.getOutputStream().write(new byte[256 * 1024]);
      client.getInputStream().read(); // end of stream once the target's close arrives
    } catch (SocketException reset) {
      // the relay may reset instead; either way the client learns the target is gone
    }

    awaitTrue("connection closed on both sides", () -> wan.openConnections() == 0);
    assertNoBufferLeft(wan);
  }

  @Test
  void slowTarget_stopsTheRelayFromReadingTheClient() throws Exception {
    int total = 64 * 1024 * 1024;
    BlockingQueue<Object> startReading = new ArrayBlockingQueue<>(1);
    BlockingQueue<Long> targetGot = new ArrayBlockingQueue<>(1);
    LoopbackServer target = closeLater(new LoopbackServer(s -> {
      try {
        startReading.take();
      } catch (InterruptedException e) {
        return;
      }
      long n = s.getInputStream().transferTo(OutputStream.nullOutputStream());
      targetGot.add(n);
    }));
    WanEmulator wan = closeLater(wanTo(target).delay(Duration.ofMillis(5)).inFlightLimit(64 * 1024)
        .chargeHandshake(false).start());
    Socket client = connect(wan);
    AtomicLong written = new AtomicLong();
    ExecutorService writer = Executors.newSingleThreadExecutor();
    try {
      Future<?> writing = writer.submit(() -> {
        byte[] chunk = new byte[64 * 1024];
        OutputStream out = client.getOutputStream();
        for (int i = 0; i < total / chunk.length; i++) {
          out.write(chunk);
          written.addAndGet(chunk.length);
        }
        client.shutdownOutput();
        return null;
      });

      // Wait until the writer is stuck (no progress for a second), then it must not be done:
      // without backpressure the relay would have swallowed all 64 MiB into memory.
      long last = -1;
      for (int i = 0; i < 600 && written.get() != last; i++) {
        last = written.get();
        Thread.sleep(1_000);
      }
      assertThat(written.get()).isLessThan(total);
      assertThat(writing.isDone()).isFalse();

      startReading.add(Boolean.TRUE);
      writing.get(120, TimeUnit.SECONDS);
      assertThat(targetGot.poll(120, TimeUnit.SECONDS)).isEqualTo((long) total);
    } finally {
      writer.shutdownNow();
    }
    assertNoBufferLeft(wan);
  }
}
