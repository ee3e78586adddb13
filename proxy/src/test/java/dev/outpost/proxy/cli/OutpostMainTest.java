package dev.outpost.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.proxy.config.ConfigKey;
import dev.outpost.proxy.config.ConfigKeys;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

class OutpostMainTest {
  private static final String ORIGIN = "postgresql://app:s3cret-pw@db.example:5432/shop";

  @TempDir
  Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(Map<String, String> env, String... args) {
    CommandLine cl = OutpostMain.commandLine(env);
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl.execute(args);
  }

  @Test
  void serve_unknownOption_keepsPicocliErrorAndFails() {
    int code = run(Map.of(), "serve", "--origin", ORIGIN, "--bogus");

    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).startsWith("Unknown option: '--bogus'");
    assertThat(out.toString()).doesNotContain("outpost ready");
  }

  @Test
  void serve_badConfiguration_printsEveryProblemAndExits2() {
    int code = run(Map.of("OUTPOST_AUTH_TIMEOUT", "whenever"), "serve", "--pool-size", "abc");

    assertThat(code).isEqualTo(2);
    assertThat(err.toString().lines()).containsExactlyInAnyOrder(
        "outpost: pool-size: \"abc\" is not a whole number (allowed: 1..10000) (from --pool-size)",
        "outpost: auth-timeout: \"whenever\" is not a duration (allowed: more than 0 up to 365d, written like 500ms,"
            + " 15s, 10m, 1h) (from OUTPOST_AUTH_TIMEOUT)",
        "outpost: origin: missing (set origin in the config file, OUTPOST_ORIGIN or --origin)");
    assertThat(out.toString()).doesNotContain("outpost ready");
  }

  @Test
  void serve_hasAFlagForEveryKeyButTheFileOnlyLists() {
    CommandSpec serve = OutpostMain.commandLine(Map.of()).getSubcommands().get("serve").getCommandSpec();

    for (ConfigKey<?> k : ConfigKeys.all()) {
      assertThat(serve.findOption(k.flag())).as(k.flag()).matches(o -> k.fileOnly() == (o == null));
    }
    assertThat(serve.findOption("--config")).isNotNull();
    assertThat(serve.findOption("--users")).isNull();
  }

  @Test
  void serveHelp_namesEachFlagWithItsEnvironmentVariable() {
    int code = run(Map.of(), "serve", "--help");

    assertThat(code).isZero();
    assertThat(out.toString()).contains("--auth-timeout=DURATION", "OUTPOST_AUTH_TIMEOUT", "--pool-mode=transaction|session",
        "--config=FILE");
  }

  @Test
  void configCheck_validFile_printsEveryEffectiveSettingMaskedWithItsSource() throws IOException {
    Path f = dir.resolve("outpost.yaml");
    Files.writeString(f, "origin: " + ORIGIN + "\npool-size: 12\nadmin-user: admin\nadmin-password: s3cret-admin\n");

    int code = run(Map.of("OUTPOST_CACHE_MAX_AGE", "2m"), "config", "check", "--config", f.toString(),
        "--auth-timeout", "3s");

    assertThat(code).isZero();
    String text = out.toString();
    assertThat(text).startsWith("configuration is valid (" + f + ")").doesNotContain("s3cret");
    List<String> lines = text.lines().toList();
    assertThat(lines).hasSize(2 + ConfigKeys.all().size());
    assertThat(lines).anyMatch(l -> l.matches("pool-size +12 +file +live"));
    assertThat(lines).anyMatch(l -> l.matches("auth-timeout +3s +flag +live"));
    assertThat(lines).anyMatch(l -> l.matches("cache-max-age +2m +env +live"));
    assertThat(lines).anyMatch(l -> l.matches("listen +127\\.0\\.0\\.1:6432 +default +restart"));
    assertThat(lines).anyMatch(l -> l.matches("admin-password +\\*\\*\\* +file +live"));
    assertThat(lines).anyMatch(l -> l.matches("origin +postgresql://app:\\*\\*\\*@db\\.example:5432/shop\\?sslmode=disable"
        + " +file +restart \\(password: live\\)"));
  }

  @Test
  void configCheck_fileNamedByEnvironment_isRead() throws IOException {
    Path f = dir.resolve("from-env.yaml");
    Files.writeString(f, "origin: " + ORIGIN + "\n");

    int code = run(Map.of("OUTPOST_CONFIG", f.toString()), "config", "check");

    assertThat(code).isZero();
    assertThat(out.toString()).startsWith("configuration is valid (" + f + ")");
  }

  @Test
  void configCheck_badFile_printsTheProblemsAndExits2() throws IOException {
    Path f = dir.resolve("bad.yaml");
    Files.writeString(f, "origin: " + ORIGIN + "\npool-size: many\ncache-ttl: 5s\n");

    int code = run(Map.of(), "config", "check", "--config", f.toString());

    assertThat(code).isEqualTo(2);
    assertThat(err.toString().lines()).containsExactly(
        "outpost: cache-ttl: unknown key",
        "outpost: pool-size: \"many\" is not a whole number (allowed: 1..10000)",
        "outpost: the configuration has 2 problems");
  }

  @Test
  void config_withoutSubcommand_printsUsage() {
    assertThat(run(Map.of(), "config")).isZero();
    assertThat(out.toString()).contains("check");
  }

  @Test
  void version_printsTheVersion() {
    CommandLine cl = OutpostMain.commandLine(Map.of());
    assertThat(cl.getSubcommands()).containsKeys("serve", "config", "demo", "version");
    assertThat(run(Map.of(), "--version")).isZero();
    assertThat(out.toString()).startsWith("outpost ");
  }

  @Test
  void demo_badListenAddress_explainsAndExits2() {
    int code = run(Map.of(), "demo", "--listen", "nowhere");

    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("outpost demo: --listen \"nowhere\" is not HOST:PORT");
  }
}
