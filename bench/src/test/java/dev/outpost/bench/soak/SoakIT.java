package dev.outpost.bench.soak;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.bench.BenchMain;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code outpost-bench soak} end to end, short: an embedded origin whose backends are terminated
 * every ~100 ms and which restarts twice, a node from the built jar, six clients in all three query
 * modes. The run must pass — no stale read, no unexpected error, nothing hung, every client done,
 * the node serving afterwards, nothing alarming in its log — and the faults must really have
 * happened. (A short soak found the capture bug of CacheCaptureIT within a minute.)
 */
class SoakIT {
  @TempDir
  Path out;

  private static final String FRESHNESS_CHECKS =
      "\\| freshness checks \\(read-your-writes, other clients' committed rows\\) \\| ([\\d,]+) \\|";

  @Test
  void aShortSoakWithTerminationsAndRestarts_passes() throws Exception {
    String report = passingSoak("--duration", "10s", "--clients", "6", "--terminate-every", "100ms",
        "--restart-every", "4s", "--down-for", "1s");

    assertThat(number(report, "\\((\\d+) in all\\); origin restarted")).as("backends terminated").isPositive();
    assertThat(number(report, "every 4s \\((\\d+) in all\\)")).as("origin restarts").isGreaterThanOrEqualTo(1);
    assertThat(number(report, FRESHNESS_CHECKS)).isPositive();
    assertThat(report).contains("read-your-writes on all 6 client rows through new connections: served");
  }

  /**
   * Three nodes in two regions (nodes 1 and 3 in region a, node 2 alone in region b, bridged by
   * RELAY on loopback) with the cache on: the clients are spread over them, and a read through one
   * node of a row written through another must show every commit acknowledged a second before it
   * (the invalidation crossed the region or the bridge; no fill that began before it was stored),
   * under the same faults and a node restarted every 4 s (a rolling deploy: the restarted node must
   * rejoin, or the reads through it would go stale).
   */
  @Test
  void aShortSoakOfThreeNodesInTwoRegions_passes() throws Exception {
    String report = passingSoak("--nodes", "3", "--regions", "2", "--duration", "10s", "--clients", "6",
        "--terminate-every", "100ms", "--restart-every", "4s", "--node-restart-every", "4s", "--down-for", "1s");

    assertThat(report).contains("| region | `3 nodes in 2 regions (node i in region soak-a/soak-b[i % 2], bridged by"
        + " RELAY), client i through node i % 3;");
    assertThat(number(report, "the nodes in turn, every 4s \\((\\d+) in all\\)")).as("node restarts")
        .isGreaterThanOrEqualTo(1);
    assertThat(number(report, "\\| of them, reads through another node than the write's \\| ([\\d,]+) \\|"))
        .as("reads of rows written through the other node").isPositive();
    assertThat(out.resolve("outpost-soak-1.log")).isRegularFile();
    assertThat(nodeLog("soak-3")).as("node 3 joined node 1's region").contains("2 member(s)");
    assertThat(nodeLog("soak-2")).as("node 2 reached region a over the bridge")
        .contains("regions reachable over the relay: soak-a");
    assertThat(number(report, FRESHNESS_CHECKS)).isPositive();
    assertThat(report).contains("read-your-writes on all 6 client rows through new connections: served");
  }

  /**
   * Two clients update their rows straight at the origin, bypassing Outpost; the node has the change
   * feed on, and a read through it must show their commits acknowledged 2 s before it. Without
   * faults, so that nothing else invalidates those rows (a lost connection with pending writes
   * invalidates the whole database): with the feed turned off, the same run fails with hundreds of
   * stale reads (seen: 408 in 30 s).
   */
  @Test
  void writesStraightToTheOrigin_reachTheCacheThroughTheChangeFeed() throws Exception {
    String report = passingSoak("--direct-writers", "2", "--change-feed-bound", "2s", "--duration", "8s",
        "--clients", "6", "--terminate-every", "0", "--restart-every", "0");

    assertThat(report).contains("| change feed | `on; 2 more");
    assertThat(number(report, "\\| of them, reads of rows written straight to the origin \\| ([\\d,]+) \\|"))
        .isPositive();
    assertThat(nodeLog("soak")).contains("change feed outpost: streaming database");
  }

  /**
   * Runs {@code outpost-bench soak} with {@code args} on the built node jar into {@link #out} and
   * returns its report, which must say passed, with no stale read and no unexpected error.
   */
  private String passingSoak(String... args) throws Exception {
    Path jar = Path.of("..", "proxy", "target", "outpost.jar");
    assertThat(jar).as("the node's jar is built by the proxy module first").isRegularFile();
    List<String> command = new ArrayList<>(List.of("soak"));
    command.addAll(List.of(args));
    command.addAll(List.of("--outpost-jar", jar.toString(), "--out", out.toString()));

    int exit = BenchMain.run(command.toArray(String[]::new));

    String report = Files.readString(out.resolve("soak.md"), StandardCharsets.UTF_8);
    assertThat(exit).as(report).isZero();
    assertThat(report).startsWith("# Soak: passed").contains("| stale reads | 0 |", "| unexpected errors | 0 |");
    return report;
  }

  private String nodeLog(String node) throws Exception {
    return Files.readString(out.resolve("outpost-" + node + ".log"), StandardCharsets.UTF_8);
  }

  private static long number(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    assertThat(m.find()).as("report has " + regex).isTrue();
    return Long.parseLong(m.group(1).replace(",", ""));
  }
}
