package dev.outpost.proxy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** An Outpost node running as a separate JVM from the built jar, with real flags. */
final class NodeProcess implements AutoCloseable {
  private final Process process;
  private final int port;
  private final List<String> output = new CopyOnWriteArrayList<>();
  private Thread reader;

  private NodeProcess(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /** The runnable jar built by {@code mvn package} (failsafe runs after it). */
  static Path jar() {
    Path jar = Path.of("target", "outpost.jar");
    if (!Files.exists(jar)) {
      throw new IllegalStateException("target/outpost.jar is missing: run the tests with mvn verify");
    }
    return jar;
  }

  /** Ports handed out by {@link #freePort} in this JVM. */
  private static final java.util.Set<Integer> HANDED_OUT = new java.util.HashSet<>();

  /**
   * A free loopback port, never 100 to 104 away from one handed out before: a cluster bind's
   * failure detector listens on its port + 100 (up to + 104), and the node refuses a relay or
   * cluster port in that range of another (a random pick hit it about once in a few hundred runs).
   *
   * <p>Picked below the kernel's ephemeral range where it can: a port from that range may be taken
   * between this check and the node's bind as the source port of an outgoing connection — one
   * node's JGroups connecting to a peer's port that nobody listens on yet can even connect to itself
   * (TCP simultaneous open) and hold it. A fresh-clone CI run failed so: "No available port to bind
   * to in range [41131 .. 41131]".
   */
  static synchronized int freePort() throws IOException {
    int ephemeralLow = ephemeralRangeStart();
    java.util.Random random = new java.util.Random();
    for (int attempt = 0; attempt < 100; attempt++) {
      int port;
      if (ephemeralLow > 20_000 + 1_000) {
        port = 20_000 + random.nextInt(ephemeralLow - 20_000 - 200);
        if (!bindable(port) || !bindable(port + 100)) {
          continue;
        }
      } else {
        try (ServerSocket s = new ServerSocket(0)) {
          port = s.getLocalPort();
        }
      }
      boolean clear = true;
      for (int other : HANDED_OUT) {
        if (port == other || dev.outpost.cluster.ClusterConfig.failureDetectorsClash(port, other)) {
          clear = false; // handed out already (a test may still hold it), or a failure detector's port
        }
      }
      if (clear) {
        HANDED_OUT.add(port);
        return port;
      }
    }
    throw new IOException("no free port clear of the failure detectors' ports after 100 attempts");
  }

  /**
   * The first port of the kernel's ephemeral range (Linux), else 0. Read line by line: {@code
   * Files.readString} returned only the file's first byte here ("3" of "32768 60999"), so every
   * port came from the ephemeral range after all, and a CI run failed as this helper was meant to
   * prevent ("No available port to bind to in range [38357 .. 38357]", a region's relay bind).
   */
  static int ephemeralRangeStart() {
    try {
      String range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim();
      return Integer.parseInt(range.split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  private static boolean bindable(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(false);
      s.bind(new java.net.InetSocketAddress("127.0.0.1", port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Starts {@code java [jvmArgs] -jar outpost.jar serve --listen 127.0.0.1:PORT [args]} and waits until it is ready. */
  static NodeProcess start(List<String> jvmArgs, List<String> args) throws IOException, InterruptedException {
    int port = freePort();
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // outpost serve turns Netty's leak sampling off unless asked; node processes under test keep it
    // (a LEAK line in their output fails the test when the node is closed)
    if (jvmArgs.stream().noneMatch(a -> a.startsWith("-Dio.netty.leakDetection"))) {
      cmd.add("-Dio.netty.leakDetection.level=simple");
    }
    cmd.addAll(jvmArgs);
    cmd.add("-jar");
    cmd.add(jar().toString());
    cmd.add("serve");
    cmd.add("--listen");
    cmd.add("127.0.0.1:" + port);
    cmd.addAll(args);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    NodeProcess node = new NodeProcess(p, port);
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          node.output.add(line);
        }
      } catch (IOException e) {
        node.output.add("(output closed: " + e + ")");
      }
    }, "node-output-" + port);
    reader.setDaemon(true);
    node.reader = reader;
    reader.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (node.output.stream().anyMatch(l -> l.contains("outpost ready"))) {
        return node;
      }
      if (!p.isAlive()) {
        throw new IllegalStateException("outpost exited with " + p.exitValue() + ":\n" + String.join("\n", node.output));
      }
      Thread.sleep(50);
    }
    node.close();
    throw new IllegalStateException("outpost did not become ready:\n" + String.join("\n", node.output));
  }

  int port() {
    return port;
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  List<String> output() {
    return output;
  }

  /** Resident memory of the process in KiB, from /proc (0 where /proc is not available). */
  long residentKib() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
    return 0;
  }

  /** Sends SIGTERM and waits for the exit code. */
  int terminate() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor();
    }
    checkNoLeaks();
    return process.exitValue();
  }

  @Override
  public void close() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    checkNoLeaks();
  }

  /** Fails when the node's Netty reported a buffer that was never released. */
  private void checkNoLeaks() {
    try {
      if (reader != null) {
        reader.join(TimeUnit.SECONDS.toMillis(5)); // the rest of the output, up to end of stream
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    List<String> leaks = output.stream().filter(l -> l.contains("LEAK:")).toList();
    if (!leaks.isEmpty()) {
      throw new AssertionError("the node on port " + port + " reported " + leaks.size()
          + " leaked buffer(s); its output:\n" + String.join("\n", output));
    }
  }
}
