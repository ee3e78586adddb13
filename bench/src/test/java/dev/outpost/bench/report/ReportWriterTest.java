package dev.outpost.bench.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.outpost.bench.load.LoadResult;
import dev.outpost.bench.scenario.Row;
import dev.outpost.bench.scenario.ScenarioResult;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The results directory from hand-made results with known numbers. */
class ReportWriterTest {
  private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

  @TempDir
  static Path dir;
  static Path report;

  /** Latencies 1, 2, ..., n milliseconds; {@code n} operations in {@code seconds}. */
  private static LoadResult result(int n, double seconds, Map<String, Histogram> kinds) {
    Histogram h = new Histogram(3);
    for (int i = 1; i <= n; i++) {
      h.recordValue(i * 1_000_000L);
    }
    return new LoadResult("closed loop, 1 client", h, kinds, n, 0, 0, (long) (seconds * 1e9), null, false);
  }

  @BeforeAll
  static void writeReport() throws Exception {
    Histogram reads = new Histogram(3);
    reads.recordValue(1_000_000L);
    ScenarioResult serverless = new ScenarioResult("serverless", "Serverless", "Connect, query, close.",
        new LinkedHashMap<>(Map.of("ops", "100")),
        List.of(
            new Row.Measured("direct", true, result(100, 10, Map.of()), "application → WAN → origin"),
            new Row.Measured("outpost (miss)", false, result(20, 1, Map.of("read", reads)), ""),
            new Row.NotAvailable("outpost (hit)", "the Outpost jar proxy/target/outpost.jar is not built yet"),
            new Row.Failed("pgbouncer", "could not connect: refused")),
        true, List.of("No TLS anywhere."));
    ScenarioResult freshness = new ScenarioResult("freshness", "Freshness", "Write here, read there.",
        Map.of("trials", "10"),
        List.of(new Row.Measured("direct", true, result(10, 2, Map.of()), ""),
            new Row.NotAvailable("outpost a → b", "Unknown option: '--region'")),
        false, List.of());
    RunReport run = new RunReport("unit", Instant.parse("2026-01-02T03:04:05Z"), Instant.parse("2026-01-02T03:05:05Z"),
        "java -jar bench/target/outpost-bench.jar all --quick", Map.of("cores", "2"),
        Map.of("Postgres", "17.6"), List.of(serverless, freshness));
    report = ReportWriter.write(run, dir);
  }

  private static List<String[]> csv() throws Exception {
    return Files.readAllLines(dir.resolve("results.csv")).stream().skip(1)
        .map(l -> l.split(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", -1)).toList();
  }

  private static String[] csvLine(String scenario, String endpoint, String kind) throws Exception {
    return csv().stream().filter(f -> f[0].equals(scenario) && f[1].equals(endpoint) && f[2].equals(kind))
        .findFirst().orElseThrow(() -> new AssertionError("no CSV line " + scenario + "/" + endpoint + "/" + kind));
  }

  private static int col(String name) {
    return CsvReport.HEADER.indexOf(name);
  }

  @Test
  void csv_hasTheHeaderAndALinePerEndpointAndKind() throws Exception {
    assertThat(Files.readAllLines(dir.resolve("results.csv")).get(0)).isEqualTo(String.join(",", CsvReport.HEADER));
    assertThat(csv()).hasSize(7).allSatisfy(f -> assertThat(f).hasSize(CsvReport.HEADER.size()));
  }

  @Test
  void csv_measuredLine_carriesPercentilesThroughputAndRatios() throws Exception {
    String[] direct = csvLine("serverless", "direct", "all");
    String[] miss = csvLine("serverless", "outpost (miss)", "all");

    assertThat(direct[col("status")]).isEqualTo("ok");
    assertThat(direct[col("baseline")]).isEqualTo("true");
    assertThat(direct[col("ops")]).isEqualTo("100");
    assertThat(Double.parseDouble(direct[col("p50_ms")])).isCloseTo(50, within(0.1));
    assertThat(Double.parseDouble(direct[col("p99_ms")])).isCloseTo(99, within(0.1));
    assertThat(Double.parseDouble(direct[col("mean_ms")])).isCloseTo(50.5, within(0.1));
    assertThat(Double.parseDouble(direct[col("ops_per_s")])).isCloseTo(10, within(0.001));
    assertThat(Double.parseDouble(miss[col("ops_per_s")])).isCloseTo(20, within(0.001));
    assertThat(Double.parseDouble(miss[col("p50_ratio_to_baseline")])).isCloseTo(10.0 / 50, within(0.01));
    assertThat(Double.parseDouble(miss[col("ops_ratio_to_baseline")])).isCloseTo(2, within(0.001));
    assertThat(direct[col("note")]).isEqualTo("application → WAN → origin");
  }

  @Test
  void csv_kindLine_followsItsEndpoint() throws Exception {
    String[] read = csvLine("serverless", "outpost (miss)", "read");

    assertThat(read[col("ops")]).isEqualTo("1");
    assertThat(Double.parseDouble(read[col("p50_ms")])).isCloseTo(1, within(0.01));
    assertThat(read[col("ops_per_s")]).isEmpty();
  }

  @Test
  void csv_rowsWithoutNumbers_sayWhyAndHaveNoNumbers() throws Exception {
    String[] hit = csvLine("serverless", "outpost (hit)", "all");
    String[] failed = csvLine("serverless", "pgbouncer", "all");

    assertThat(hit[col("status")]).isEqualTo("not_available");
    assertThat(hit[col("p50_ms")]).isEmpty();
    assertThat(hit[col("note")]).isEqualTo("the Outpost jar proxy/target/outpost.jar is not built yet");
    assertThat(failed[col("status")]).isEqualTo("failed");
  }

  @Test
  void csv_sequentialTrials_haveNoThroughput() throws Exception {
    assertThat(csvLine("freshness", "direct", "all")[col("ops_per_s")]).isEmpty();
  }

  @Test
  void markdown_headlineHasARowPerScenarioAndEndpoint() throws Exception {
    String md = Files.readString(report, StandardCharsets.UTF_8);

    assertThat(md).contains("| scenario | endpoint | p50 ms | p95 ms | p99 ms | mean ms | ops/s | latency vs direct "
        + "| throughput vs direct |");
    assertThat(md).contains("| serverless | direct | 50.00 | 95.03 | 99.02 | 50.50 | 10.0 | baseline |  |");
    assertThat(md).contains("| serverless | outpost (miss) | 10.00 | 19.01 | 20.00 | 10.50 | 20.0 | 5.00× faster | 2.00× |");
    assertThat(md).contains("| serverless | outpost (hit) | not available yet: the Outpost jar "
        + "proxy/target/outpost.jar is not built yet |");
    assertThat(md).contains("| serverless | pgbouncer | failed: could not connect: refused |");
    assertThat(md).contains("| freshness | direct | 5.001 | 10.00 | 10.00 | 5.500 | — | baseline |");
    assertThat(md).contains("| freshness | outpost a → b | not available yet: Unknown option: '--region' |");
  }

  @Test
  void markdown_hasMachineCommandSetupAndSections() throws Exception {
    String md = Files.readString(report, StandardCharsets.UTF_8);

    assertThat(md).contains("- **cores**: 2").contains("- **Postgres**: 17.6")
        .contains("```\njava -jar bench/target/outpost-bench.jar all --quick\n```")
        .contains("## serverless: Serverless").contains("| ops | 100 |")
        .contains("- **direct**: application → WAN → origin").contains("- No TLS anywhere.")
        .contains("![serverless](charts/serverless-latency.png)")
        .contains("![serverless](charts/serverless-throughput.png)")
        .doesNotContain("charts/freshness-throughput.png");
  }

  @Test
  void markdown_opensWithASummaryBuiltFromTheNumbers() throws Exception {
    String md = Files.readString(report, StandardCharsets.UTF_8);
    String summary = md.lines().skip(2).findFirst().orElseThrow();

    assertThat(summary).startsWith("A new connection plus one query (median): 50.00 ms direct across the WAN, "
        + "10.00 ms through Outpost in the application's region (5.00× faster).");
    assertThat(summary).contains("Not measured in this run: serverless / outpost (hit) (the Outpost jar "
        + "proxy/target/outpost.jar is not built yet); serverless / pgbouncer (failed: could not connect: refused)");
  }

  @Test
  void charts_areValidPngImages() throws Exception {
    for (String name : List.of("serverless-latency.png", "serverless-throughput.png", "freshness-latency.png")) {
      Path png = dir.resolve("charts").resolve(name);
      byte[] bytes = Files.readAllBytes(png);
      assertThat(Arrays.copyOf(bytes, 8)).as(name).isEqualTo(PNG_SIGNATURE);
      BufferedImage image = ImageIO.read(png.toFile());
      assertThat(image.getWidth()).isEqualTo(960);
      assertThat(image.getHeight()).isEqualTo(540);
    }
    assertThat(dir.resolve("charts").resolve("freshness-throughput.png")).doesNotExist();
  }

  @Test
  void histograms_areWrittenPerMeasuredRow() throws Exception {
    String hgrm = Files.readString(dir.resolve("histograms").resolve("serverless-direct.hgrm"));

    assertThat(hgrm).contains("Value     Percentile TotalCount 1/(1-Percentile)").contains("#[Mean    =");
    assertThat(dir.resolve("histograms").resolve("serverless-outpost_hit_.hgrm")).doesNotExist();
  }

  @Test
  void csvQuote_followsRfc4180() {
    assertThat(CsvReport.quote("plain")).isEqualTo("plain");
    assertThat(CsvReport.quote("a, b")).isEqualTo("\"a, b\"");
    assertThat(CsvReport.quote("say \"hi\"")).isEqualTo("\"say \"\"hi\"\"\"");
  }
}
