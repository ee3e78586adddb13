package dev.outpost.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped launcher and the built jar as an operator runs them: {@code src/bin/outpost} in
 * front of {@code target/outpost.jar}, configured by a file, the environment and flags. The origin
 * is a closed port: a node starts and serves /health without its origin (DESIGN §5.5).
 */
class ServeIT {
  private static final Path LAUNCHER = Path.of("..", "src", "bin", "outpost");
  private static final Path SAMPLE = Path.of("..", "src", "conf", "outpost.yaml");
  private static final Duration PATIENCE = Duration.ofSeconds(60);

  @TempDir
  Path dir;

  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void stop() throws InterruptedException {
    for (Process p : started) {
      p.destroyForcibly();
      p.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private Process launch(Map<String, String> env, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("bash", LAUNCHER.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd)
        .redirectOutput(dir.resolve("stdout.txt").toFile())
        .redirectError(dir.resolve("stderr.txt").toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("OUTPOST_"));
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().putAll(env);
    Process p = pb.start();
    started.add(p);
    return p;
  }

  private String stdout() throws IOException {
    return Files.readString(dir.resolve("stdout.txt"), StandardCharsets.UTF_8);
  }

  private String stderr() throws IOException {
    return Files.readString(dir.resolve("stderr.txt"), StandardCharsets.UTF_8);
  }

  private int finish(Process p) throws InterruptedException {
    assertThat(p.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("process ended").isTrue();
    return p.exitValue();
  }

  private void awaitReady(Process p) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (!stdout().contains("outpost ready on ")) {
      assertThat(p.isAlive()).as("node exited early: " + stderr()).isTrue();
      assertThat(System.nanoTime()).as("node did not become ready: " + stderr()).isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  @Test
  void serve_fromFileEnvAndFlags_becomesReadyServesHealthAndMetricsAndStopsOnSigterm() throws Exception {
    int port = freePort();
    int metricsPort = freePort();
    Path config = dir.resolve("outpost.yaml");
    Files.writeString(config, "pool:\n  size: 4\nmetrics: 127.0.0.1:" + metricsPort + "\nlog-level: info\n");
    Process p = launch(Map.of("OUTPOST_ORIGIN", "postgresql://app:s3cret-pw@127.0.0.1:1/shop"),
        "serve", "--config", config.toString(), "--listen", "127.0.0.1:" + port);

    awaitReady(p);
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> health = http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + metricsPort + "/health")).build(), HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
    p.destroy();
    int code = finish(p);

    assertThat(stdout()).contains("outpost ready on 127.0.0.1:" + port);
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).isEqualTo("ok\n");
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).contains("outpost_clients_connected", "jvm_memory_used_bytes");
    assertThat(code).as("exit after SIGTERM").isEqualTo(143);
    assertThat(stderr()).contains("pool-size=4 (file)", "origin=postgresql://app:***@127.0.0.1:1/shop")
        .contains("outpost stopped").doesNotContain("s3cret");
  }

  @Test
  void serve_badConfiguration_exits2WithOneLinePerProblem() throws Exception {
    Process p = launch(Map.of("OUTPOST_POOL_SIZE", "twenty"), "serve", "--cache", "sometimes");

    int code = finish(p);

    assertThat(code).isEqualTo(2);
    assertThat(stderr().lines().filter(l -> l.startsWith("outpost: "))).containsExactlyInAnyOrder(
        "outpost: origin: missing (set origin in the config file, OUTPOST_ORIGIN or --origin)",
        "outpost: pool-size: \"twenty\" is not a whole number (allowed: 1..10000) (from OUTPOST_POOL_SIZE)",
        "outpost: cache: \"sometimes\" is not on or off (allowed: on, off) (from --cache)");
    assertThat(stdout()).doesNotContain("outpost ready");
  }

  @Test
  void serve_unknownFlag_keepsPicocliErrorText() throws Exception {
    Process p = launch(Map.of(), "serve", "--no-such-flag");

    assertThat(finish(p)).isNotZero();
    assertThat(stderr()).contains("Unknown option: '--no-such-flag'");
  }

  @Test
  void launcher_version_runsTheJar() throws Exception {
    Process p = launch(Map.of(), "version");

    assertThat(finish(p)).isZero();
    assertThat(stdout()).startsWith("outpost ");
  }

  @Test
  void launcher_configCheck_acceptsTheShippedSample() throws Exception {
    Process p = launch(Map.of("OUTPOST_ORIGIN", "postgresql://app:pw@db.example.com/app"),
        "config", "check", "--config", SAMPLE.toString());

    assertThat(finish(p)).as(stderr()).isZero();
    assertThat(stdout()).startsWith("configuration is valid").contains("pool-size");
  }

  @Test
  void launcher_withoutAJava17_refusesToStart() throws Exception {
    Path fakeJava = dir.resolve("old-java");
    Files.createDirectories(fakeJava.resolve("bin"));
    Path java = fakeJava.resolve("bin").resolve("java");
    Files.writeString(java, "#!/bin/sh\necho 'openjdk version \"11.0.2\" 2019-01-15' >&2\n");
    java.toFile().setExecutable(true);
    Process p = launch(Map.of("JAVA_HOME", fakeJava.toString()), "version");

    assertThat(finish(p)).isEqualTo(1);
    assertThat(stderr()).contains("is Java 11; Outpost needs Java 17 or newer");
  }
}
