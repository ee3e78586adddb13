package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.outpost.testkit.TestOrigin;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * pgbench through Outpost (transaction pooling, 4 origin connections, 16 clients): initialization
 * and 20 s of the TPC-B-like and select-only scripts in every query mode, with zero failed
 * transactions. Skipped, saying so, when pgbench is not installed.
 */
class PgbenchIT {
  private static final Logger log = LoggerFactory.getLogger(PgbenchIT.class);
  private static final Pattern FAILED = Pattern.compile("number of failed transactions: (\\d+)");
  private static final Pattern PROCESSED = Pattern.compile("number of transactions actually processed: (\\d+)");
  private static TestNode node;
  private static String db;

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(pgbench() != null, "pgbench is not installed on this machine (apt-get install postgresql-client)");
    TestOrigin origin = TestOrigin.shared();
    db = origin.createDatabase("pgbench");
    node = TestNode.start(origin, db, b -> b.poolSize(4));
    Result init = run(List.of("-i", "-s", "1", "-q"));
    assertThat(init.exit).as(init.output).isZero();
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({"simple,tpcb", "extended,tpcb", "prepared,tpcb", "simple,select-only", "extended,select-only",
      "prepared,select-only"})
  void pgbench_20s_16clients_pool4_noFailedTransactions(String mode, String script) throws Exception {
    List<String> args = new ArrayList<>(List.of("-M", mode, "-c", "16", "-j", "2", "-T", "20", "-n"));
    if (script.equals("select-only")) {
      args.add("-S");
    }
    Result r = run(args);
    log.info("pgbench -M {} {}:\n{}", mode, script, r.output);
    assertThat(r.exit).as(r.output).isZero();
    Matcher failed = FAILED.matcher(r.output);
    assertThat(failed.find()).as(r.output).isTrue();
    assertThat(failed.group(1)).isEqualTo("0");
    Matcher processed = PROCESSED.matcher(r.output);
    assertThat(processed.find()).isTrue();
    assertThat(Long.parseLong(processed.group(1))).isPositive();
  }

  private record Result(int exit, String output) {}

  private static Result run(List<String> args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(pgbench(), "-h", "127.0.0.1", "-p", Integer.toString(node.port()),
        "-U", TestOrigin.APP_USER));
    cmd.addAll(args);
    cmd.add(db);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("PGPASSWORD", TestOrigin.APP_PASSWORD);
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("pgbench did not finish");
    }
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  private static String pgbench() {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
      Path candidate = Path.of(dir, "pgbench");
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    return null;
  }
}
