package dev.outpost.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.wire.auth.ScramVerifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The list-valued keys, users and cache-rules, as the loader reads them from a file. */
class StructuredValuesTest {
  private static final String ORIGIN = "postgresql://app:s3cret-pw@db.example:5432/shop";

  @TempDir
  Path dir;

  private Path file(String yaml) throws IOException {
    Path f = dir.resolve("outpost.yaml");
    Files.writeString(f, yaml);
    return f;
  }

  private static List<String> problems(Runnable r) {
    try {
      r.run();
    } catch (ConfigException e) {
      return e.problems();
    }
    throw new AssertionError("expected a ConfigException");
  }

  @Test
  void load_users_readsPasswordsVerifiersDatabasesAndOriginCredentials() throws IOException {
    String verifier = ScramVerifier.fromPassword("reader-pw", 4096).format();
    Path f = file("origin: " + ORIGIN + "\nusers:\n"
        + "  - name: app\n    password: app-pw\n    databases: [shop, reports]\n"
        + "  - name: reader\n    scram-verifier: '" + verifier + "'\n    databases: shop\n"
        + "    origin-user: ro\n    origin-password: ro-pw\n");
    List<UserEntry> users = ConfigLoader.load(f, Map.of(), Map.of()).users();

    assertThat(users).containsExactly(
        new UserEntry("app", "app-pw", null, Set.of("shop", "reports"), null, null),
        new UserEntry("reader", null, verifier, Set.of("shop"), "ro", "ro-pw"));
    assertThat(users.get(1).mayUse("reports")).isFalse();
    assertThat(users.get(0).mayUse("anything")).isFalse();
    assertThat(users.get(1).verifier()).isEqualTo(ScramVerifier.parse(verifier));
  }

  @Test
  void load_badUserEntries_reportEachProblemUnderTheUsersName() throws IOException {
    Path f = file("origin: " + ORIGIN + "\nusers:\n"
        + "  - name: a\n    pasword: x\n"
        + "  - name: b\n    password: pw-b\n    scram-verifier: 'SCRAM-SHA-256$nonsense'\n"
        + "  - name: c\n    scram-verifier: 'SCRAM-SHA-256$nonsense'\n"
        + "  - password: orphan-pw\n"
        + "  - name: a\n    password: pw-a2\n");

    List<String> p = problems(() -> ConfigLoader.load(f, Map.of(), Map.of()));
    assertThat(p).contains(
        "users[a].pasword: unknown key (did you mean password?) (allowed: name, password, scram-verifier, databases,"
            + " origin-user, origin-password)",
        "users[a]: give exactly one of password and scram-verifier",
        "users[b]: give exactly one of password and scram-verifier",
        "users[#4].name: missing (every user needs a name)");
    assertThat(p).anyMatch(m -> m.startsWith("users[c].scram-verifier: \"***\" is not a well-formed verifier"));
    assertThat(String.join("\n", p)).doesNotContain("pw-b").doesNotContain("orphan-pw").doesNotContain("nonsense");
  }

  @Test
  void load_duplicateUserNames_areRejected() throws IOException {
    Path f = file("origin: " + ORIGIN + "\nusers:\n  - {name: a, password: x}\n  - {name: a, password: y}\n");

    assertThat(problems(() -> ConfigLoader.load(f, Map.of(), Map.of())))
        .containsExactly("users: a is listed more than once (allowed: one entry per name)");
  }

  @Test
  void load_usersFromEnvironmentOrFlag_areFileOnly() {
    assertThat(problems(() -> ConfigLoader.load(null, Map.of("OUTPOST_ORIGIN", ORIGIN, "OUTPOST_USERS", "a"),
        Map.of("cache-rules", "x")))).containsExactlyInAnyOrder(
        "OUTPOST_USERS: users can only be set in the config file",
        "--cache-rules: cache-rules can only be set in the config file");
  }

  @Test
  void load_md5WithAVerifierOnlyUser_isRejected() throws IOException {
    String verifier = ScramVerifier.fromPassword("pw", 4096).format();
    Path f = file("origin: " + ORIGIN + "\nauth: md5\nusers:\n  - {name: r, scram-verifier: '" + verifier + "'}\n");

    assertThat(problems(() -> ConfigLoader.load(f, Map.of(), Map.of()))).containsExactly(
        "users[r]: auth md5 cannot check a scram-verifier (allowed: give a password, or use auth scram)");
  }

  @Test
  void load_cacheRules_areReadAndApplyToTheirTables() throws IOException {
    Path f = file("origin: " + ORIGIN + "\ncache:\n  rules:\n"
        + "    - {table: public.sessions, cache: off}\n    - {table: Products, max-age: 10m, swr: 1m}\n");
    CacheSettings cache = ConfigLoader.load(f, Map.of(), Map.of()).cache();

    assertThat(cache.rules()).containsExactly(
        CacheRule.off(new TableName("public", "sessions")),
        CacheRule.freshness(new TableName(null, "products"), Duration.ofMinutes(10), Duration.ofMinutes(1)));
  }

  @Test
  void load_badCacheRules_areReportedPerRule() throws IOException {
    Path f = file("origin: " + ORIGIN + "\ncache-rules:\n"
        + "    - {table: 'a.b.c', cache: off}\n    - {table: t, max-age: forever, ttl: 3s}\n    - {cache: off}\n");

    assertThat(problems(() -> ConfigLoader.load(f, Map.of(), Map.of()))).containsExactlyInAnyOrder(
        "cache-rules[a.b.c].table: \"a.b.c\" has more than schema.name (allowed: [schema.]name, e.g. public.products)",
        "cache-rules[t].ttl: unknown key (allowed: table, cache, max-age, swr)",
        "cache-rules[t].max-age: \"forever\" is not a duration (allowed: 0 or more up to 365d, written like 500ms, 15s,"
            + " 10m, 1h)",
        "cache-rules[#3].table: missing (every rule names a table, e.g. public.products)");
  }
}
