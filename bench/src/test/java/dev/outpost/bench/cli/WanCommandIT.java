package dev.outpost.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.bench.BenchMain;
import dev.outpost.bench.lab.Ports;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code outpost-bench wan} relays with its delay; asserted as a lower bound only. */
class WanCommandIT {

  @Test
  void wan_relaysToTheTargetWithTheDelayInEachDirection() throws Exception {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream originalOut = System.out;
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try (ServerSocket echo = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
      threads.submit(() -> {
        try (Socket s = echo.accept()) {
          s.getInputStream().transferTo(s.getOutputStream());
        }
        return null;
      });
      int port = Ports.freeLoopbackPort();
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      Future<Integer> wan = threads.submit(() -> BenchMain.run("wan", "--listen", "127.0.0.1:" + port,
          "--target", "127.0.0.1:" + echo.getLocalPort(), "--delay-up", "30ms", "--delay-down", "20ms",
          "--no-handshake", "--for", "10s"));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!captured.toString(StandardCharsets.UTF_8).contains("wan ready")) {
        assertThat(System.nanoTime()).isLessThan(deadline);
        Thread.sleep(20);
      }

      try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
        client.setSoTimeout(30_000);
        OutputStream out = client.getOutputStream();
        InputStream in = client.getInputStream();
        long start = System.nanoTime();
        out.write('x');
        assertThat(in.read()).isEqualTo('x');
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(50_000_000L);
      }
      assertThat(captured.toString(StandardCharsets.UTF_8)).contains("up 30ms, down 20ms");
      wan.get(60, TimeUnit.SECONDS);
      assertThat(captured.toString(StandardCharsets.UTF_8)).contains("wan stopped: 1 connections, 2 bytes relayed");
    } finally {
      System.setOut(originalOut);
      threads.shutdownNow();
    }
  }
}
