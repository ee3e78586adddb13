package dev.outpost.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.bench.lab.PgBouncerProcess;
import dev.outpost.bench.lab.PgpoolProcess;
import dev.outpost.bench.report.CsvReport;
import dev.outpost.bench.scenario.Scenarios;
import dev.outpost.testkit.TestOrigin;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code outpost-bench all --quick} end to end against a real origin, with tiny durations: every
 * scenario runs, every baseline gets numbers, and every other row has numbers or says why not.
 *
 * <p>Outpost nodes are started from {@code proxy/target/outpost.jar} when it has been built, and
 * PgBouncer joins when it is installed; neither is required. Rows whose feature is missing must
 * say "not available" with a reason, never show a number.
 */
class BenchQuickIT {
  private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G'};

  @TempDir
  static Path out;
  static int exitCode;
  static Path outpostJar = Path.of("..", "proxy", "target", "outpost.jar");
  static boolean pgbouncer = Files.isExecutable(PgBouncerProcess.DEFAULT_BINARY);
  static boolean pgpool = Files.isExecutable(PgpoolProcess.DEFAULT_BINARY);

  @BeforeAll
  static void runQuick() {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("bench_quick");
    List<String> args = new ArrayList<>(List.of("all", "--quick", "--name", "it", "--out", out.toString(),
        "--origin", origin.originUrl(db), "--outpost-jar", outpostJar.toString(),
        "--wan-delay", "2ms", "--region-delay", "2ms", "--duration", "1s", "--warmup", "200ms", "--rounds", "2",
        "--param", "serverless.ops=4", "--param", "serverless.warmup-ops=1",
        "--param", "pooled-read-heavy.keys=2000", "--param", "pooled-read-heavy.clients=2",
        "--param", "pooled-read-heavy.pool-size=2", "--param", "passthrough-overhead.keys=2000",
        "--param", "freshness.trials=3", "--param", "freshness.warmup-trials=1", "--param", "freshness.timeout=2s",
        "--param", "region-sharing.keys=5", "--param", "region-sharing.trials=3",
        "--param", "region-sharing.warmup-trials=1", "--param", "region-sharing.timeout=2s"));
    if (pgbouncer) {
      args.addAll(List.of("--pgbouncer", "auto"));
    }
    if (pgpool) {
      args.addAll(List.of("--pgpool", "auto"));
    }
    exitCode = BenchMain.run(args.toArray(String[]::new));
  }

  private static List<String[]> csvRows() throws Exception {
    return Files.readAllLines(out.resolve("results.csv"), StandardCharsets.UTF_8).stream().skip(1)
        .map(l -> l.split(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", -1))
        .filter(f -> f[2].equals("all")).toList();
  }

  private static int col(String name) {
    return CsvReport.HEADER.indexOf(name);
  }

  @Test
  void run_succeedsAndWritesTheResultsDirectory() {
    assertThat(exitCode).isZero();
    assertThat(out.resolve("report.md")).isRegularFile();
    assertThat(out.resolve("results.csv")).isRegularFile();
  }

  @Test
  void everyScenario_hasAMeasuredBaseline() throws Exception {
    for (String scenario : Scenarios.names()) {
      String[] baseline = csvRows().stream()
          .filter(f -> f[0].equals(scenario) && f[col("baseline")].equals("true")).findFirst()
          .orElseThrow(() -> new AssertionError("no measured baseline in " + scenario));
      assertThat(baseline[col("status")]).isEqualTo("ok");
      assertThat(Long.parseLong(baseline[col("ops")])).isPositive();
      assertThat(Double.parseDouble(baseline[col("p50_ms")])).isPositive();
    }
  }

  @Test
  void everyRow_hasNumbersOrSaysWhyNot() throws Exception {
    for (String[] row : csvRows()) {
      String what = row[0] + " / " + row[1];
      switch (row[col("status")]) {
        case "ok" -> {
          assertThat(Long.parseLong(row[col("ops")])).as(what).isPositive();
          assertThat(Double.parseDouble(row[col("p50_ms")])).as(what).isPositive();
        }
        case "not_available", "failed" -> {
          assertThat(row[col("note")]).as(what).isNotBlank();
          assertThat(row[col("p50_ms")]).as(what).isEmpty();
          assertThat(row[1]).as(what + " (only optional endpoints may be missing)").isNotEqualTo("direct");
        }
        default -> throw new AssertionError(what + ": unknown status " + row[col("status")]);
      }
    }
  }

  @Test
  void outpostRows_withoutTheJar_sayTheJarIsNotBuilt() throws Exception {
    if (Files.isRegularFile(outpostJar)) {
      return; // nodes were started; their rows are covered by everyRow_hasNumbersOrSaysWhyNot
    }
    List<String[]> outpost = csvRows().stream().filter(f -> f[1].startsWith("outpost")).toList();
    assertThat(outpost).hasSize(9);
    assertThat(outpost).allSatisfy(f -> {
      assertThat(f[col("status")]).isEqualTo("not_available");
      assertThat(f[col("note")]).contains("is not built yet");
    });
  }

  @Test
  void pgbouncer_whenInstalled_isMeasuredInServerlessAndPassthrough() throws Exception {
    List<String[]> rows = csvRows().stream().filter(f -> f[1].equals("pgbouncer")).toList();
    if (!pgbouncer) {
      assertThat(rows).isEmpty();
      return;
    }
    assertThat(rows).extracting(f -> f[0]).contains("serverless", "passthrough-overhead");
    assertThat(rows).allSatisfy(f -> assertThat(f[col("status")]).as(f[0]).isEqualTo("ok"));
  }

  @Test
  void pgpool_whenInstalled_isMeasuredWhereverPeersAre() throws Exception {
    List<String[]> rows = csvRows().stream().filter(f -> f[1].equals("pgpool")).toList();
    if (!pgpool) {
      assertThat(rows).isEmpty();
      return;
    }
    assertThat(rows).extracting(f -> f[0]).containsExactly("serverless", "pooled-read-heavy", "passthrough-overhead");
    assertThat(rows).allSatisfy(f -> assertThat(f[col("status")]).as(f[0]).isEqualTo("ok"));
  }

  @Test
  void report_hasTheHeadlineMachineCommandAndEveryScenario() throws Exception {
    String md = Files.readString(out.resolve("report.md"), StandardCharsets.UTF_8);

    assertThat(md).contains("## Headline", "## Machine", "- **cores**: ", "- **Postgres**: ", "## Command",
        "java -jar bench/target/outpost-bench.jar all --quick");
    assertThat(md).doesNotContain(TestOrigin.APP_PASSWORD);
    for (String scenario : Scenarios.names()) {
      assertThat(md).contains("## " + scenario + ": ").contains("| " + scenario + " | direct");
    }
  }

  @Test
  void charts_areWrittenForEveryScenario() throws Exception {
    for (String scenario : Scenarios.names()) {
      Path latency = out.resolve("charts").resolve(scenario + "-latency.png");
      assertThat(Arrays.copyOf(Files.readAllBytes(latency), 4)).as(scenario).isEqualTo(PNG);
    }
  }
}
