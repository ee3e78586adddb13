package dev.outpost.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.bench.BenchMain;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Command-line handling that fails before anything is started. */
class BenchMainTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream originalOut;
  private PrintStream originalErr;

  @BeforeEach
  void capture() {
    originalOut = System.out;
    originalErr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restore() {
    System.setOut(originalOut);
    System.setErr(originalErr);
  }

  @Test
  void list_printsEveryScenarioWithItsParameters() {
    assertThat(BenchMain.run("list")).isZero();

    assertThat(out.toString(StandardCharsets.UTF_8)).contains("serverless:", "pooled-read-heavy:",
        "cache-hit-ceiling:", "passthrough-overhead:", "freshness:", "region-sharing:", "read-ratio");
  }

  @Test
  void run_unknownScenario_isAUsageError() {
    assertThat(BenchMain.run("run", "nosuch")).isEqualTo(2);

    assertThat(err.toString(StandardCharsets.UTF_8)).contains("no scenario 'nosuch'");
  }

  @Test
  void unknownParameter_isAUsageErrorBeforeAnythingStarts() {
    assertThat(BenchMain.run("run", "serverless", "--param", "serverless.nope=1")).isEqualTo(2);

    assertThat(err.toString(StandardCharsets.UTF_8)).contains("has no parameter 'nope'");
  }

  @Test
  void parameterOfAnUnknownScenario_isAUsageError() {
    assertThat(BenchMain.run("run", "serverless", "--param", "servrless.ops=1")).isEqualTo(2);

    assertThat(err.toString(StandardCharsets.UTF_8)).contains("no scenario 'servrless'");
  }

  @Test
  void soak_withBadValues_isAUsageErrorBeforeAnythingStarts() {
    assertThat(BenchMain.run("soak", "--duration", "0s")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--duration must be between 1s and 24h");
    assertThat(BenchMain.run("soak", "--pool-mode", "statement")).isEqualTo(2);
    assertThat(BenchMain.run("soak", "--cache", "maybe")).isEqualTo(2);
    assertThat(BenchMain.run("soak", "--restart-every", "10ms")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--restart-every must be 0 (none) or at least 1s");
    assertThat(BenchMain.run("soak", "--nodes", "2", "--regions", "3")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--regions must be between 1 and 3 and at most --nodes (2)");
    assertThat(BenchMain.run("soak", "--nodes", "7")).isEqualTo(2);
    assertThat(BenchMain.run("soak", "--direct-writers", "-1")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--direct-writers must be between 0 and 50");
    assertThat(BenchMain.run("soak", "--node-restart-every", "1s")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--node-restart-every must be 0 (none) or at least 2s");
  }

  @Test
  void wan_withoutTarget_isAUsageError() {
    assertThat(BenchMain.run("wan", "--delay", "25ms")).isEqualTo(2);

    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--target");
  }

  @Test
  void commandLine_quotesWhatAShellWouldSplitAndMasksPasswords() {
    assertThat(BenchRun.commandLine(java.util.List.of("all", "--origin", "postgresql://a:pw@h:1/d",
        "--outpost-jvm-opts", "-Xmx1g -Xms1g")))
        .isEqualTo("java -jar bench/target/outpost-bench.jar all --origin postgresql://a:***@h:1/d "
            + "--outpost-jvm-opts '-Xmx1g -Xms1g'");
  }
}
