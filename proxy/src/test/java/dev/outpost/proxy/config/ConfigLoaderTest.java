package dev.outpost.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
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

  private Path pem(String name) throws IOException {
    Path f = dir.resolve(name);
    Files.writeString(f, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    return f;
  }

  @Test
  void load_sameKeyInEverySource_flagWinsOverEnvOverFileOverDefault() throws IOException {
    Path f = file("origin: " + ORIGIN + "\npool-size: 11\nauth-timeout: 3s\ncache-max-age: 5m\n");
    LoadedConfig c = new ConfigLoader(f,
        Map.of("OUTPOST_POOL_SIZE", "12", "OUTPOST_AUTH_TIMEOUT", "4s"),
        Map.of("pool-size", "13")).load();

    assertThat(c.config().poolSize()).isEqualTo(13);
    assertThat(c.config().authTimeout()).isEqualTo(Duration.ofSeconds(4));
    assertThat(c.config().cache().maxAge()).isEqualTo(Duration.ofMinutes(5));
    assertThat(c.config().acquireTimeout()).isEqualTo(Duration.ofSeconds(15));
    assertThat(c.source("pool-size")).isEqualTo(ConfigSource.FLAG);
    assertThat(c.source("auth-timeout")).isEqualTo(ConfigSource.ENV);
    assertThat(c.source("cache-max-age")).isEqualTo(ConfigSource.FILE);
    assertThat(c.source("pool-acquire-timeout")).isEqualTo(ConfigSource.DEFAULT);
  }

  @Test
  void load_nestedSections_meanTheSameAsFlatKeys() throws IOException {
    Path nested = file("origin: {url: '" + ORIGIN + "'}\ncache: {enabled: off, max-age: 90s, swr: 5s}\n"
        + "pool: {size: 7, min-idle: 2}\nauth: {method: md5, timeout: 2s}\n"
        + "cluster: {region: eu, node-name: eu-1, bind: '10.0.0.1:7800'}\n");
    ProxyConfig a = ConfigLoader.load(nested, Map.of(), Map.of());
    Path flat = file("origin: " + ORIGIN + "\ncache: off\ncache-max-age: 90s\ncache-swr: 5s\npool-size: 7\n"
        + "pool-min-idle: 2\nauth: md5\nauth-timeout: 2s\nregion: eu\nnode-name: eu-1\ncluster-bind: 10.0.0.1:7800\n");
    ProxyConfig b = ConfigLoader.load(flat, Map.of(), Map.of());

    assertThat(a).isEqualTo(b);
    assertThat(a.cache().enabled()).isFalse();
    assertThat(a.cluster().bind()).isEqualTo(new HostPort("10.0.0.1", 7800));
  }

  @Test
  void load_sameKeyFlatAndNested_isRejected() throws IOException {
    Path f = file("origin: " + ORIGIN + "\ncache-max-age: 1m\ncache: {max-age: 2m}\n");

    assertThat(problems(() -> ConfigLoader.load(f, Map.of(), Map.of())))
        .containsExactly("cache.max-age: cache-max-age is given twice in the file (also as cache-max-age)");
  }

  @Test
  void load_unknownFileKey_isRejectedWithASuggestion() throws IOException {
    Path f = file("origin: " + ORIGIN + "\npool-sise: 5\ncache: {max-agee: 1m}\n");

    assertThat(problems(() -> ConfigLoader.load(f, Map.of(), Map.of()))).containsExactly(
        "pool-sise: unknown key (did you mean pool-size?)",
        "cache.max-agee: unknown key (did you mean cache-max-age?)");
  }

  @Test
  void load_notAWholeNumber_namesKeyValueAndWhatIsAllowed() throws IOException {
    Path f = file("origin: " + ORIGIN + "\npool-size: abc\n");

    assertThat(problems(() -> ConfigLoader.load(f, Map.of(), Map.of())))
        .containsExactly("pool-size: \"abc\" is not a whole number (allowed: 1..10000)");
  }

  @Test
  void load_badValueFromEnvironmentOrFlag_namesTheVariableOrFlag() {
    List<String> p = problems(() -> ConfigLoader.load(null,
        Map.of("OUTPOST_ORIGIN", ORIGIN, "OUTPOST_AUTH_TIMEOUT", "soon"), Map.of("max-message-size", "12 parsecs")));

    assertThat(p).containsExactlyInAnyOrder(
        "auth-timeout: \"soon\" is not a duration (allowed: more than 0 up to 365d, written like 500ms, 15s, 10m, 1h)"
            + " (from OUTPOST_AUTH_TIMEOUT)",
        "max-message-size: \"12 parsecs\" is not a size (allowed: 1KiB..1GiB, written like 65536, 64KiB, 256MiB, 1GiB)"
            + " (from --max-message-size)");
  }

  @Test
  void load_severalBadValues_reportsEveryOneInOnePass() throws IOException {
    Path f = file("origin: " + ORIGIN + "\npool-size: 0\npool-mode: statement\ncache: maybe\nlisten: nowhere\n"
        + "unknown-thing: 1\n");

    assertThat(problems(() -> ConfigLoader.load(f, Map.of(), Map.of()))).containsExactlyInAnyOrder(
        "unknown-thing: unknown key",
        "listen: \"nowhere\" is not HOST:PORT (allowed: HOST:PORT with a port of 0..65535, e.g. 127.0.0.1:6432 or [::1]:6432)",
        "pool-mode: \"statement\" is not allowed (allowed: transaction, session)",
        "pool-size: \"0\" is out of range (allowed: 1..10000)",
        "cache: \"maybe\" is not on or off (allowed: on, off)");
  }

  @Test
  void load_crossKeyRuleBroken_isReportedWithTheParseProblems() throws IOException {
    Path f = file("origin: " + ORIGIN + "\npool-size: 5\npool-min-idle: 6\nauth-timeout: never\n");

    assertThat(problems(() -> ConfigLoader.load(f, Map.of(), Map.of()))).containsExactlyInAnyOrder(
        "auth-timeout: \"never\" is not a duration (allowed: more than 0 up to 365d, written like 500ms, 15s, 10m, 1h)",
        "pool-min-idle: 6 is out of range (allowed: 0..5)");
  }

  @Test
  void load_flagReplacesABadFileValue_loads() throws IOException {
    Path f = file("origin: " + ORIGIN + "\npool-size: lots\n");

    assertThat(ConfigLoader.load(f, Map.of(), Map.of("pool-size", "8")).poolSize()).isEqualTo(8);
  }

  @Test
  void load_withoutOrigin_saysWhereToSetIt() {
    assertThat(problems(() -> ConfigLoader.load(null, Map.of(), Map.of())))
        .containsExactly("origin: missing (set origin in the config file, OUTPOST_ORIGIN or --origin)");
  }

  @Test
  void load_originUrlThatDoesNotParse_isReportedWithThePasswordMasked() {
    List<String> p = problems(() -> ConfigLoader.load(null, Map.of(),
        Map.of("origin", "postgresql://app:s3cret-pw@db.example:xx/shop")));

    assertThat(p).hasSize(1);
    assertThat(p.get(0)).startsWith("origin: \"postgresql://app:***@db.example:xx/shop\" is not a usable URL")
        .doesNotContain("s3cret-pw");
  }

  @Test
  void load_unknownEnvironmentVariable_isRejectedButLauncherAndTestVariablesAreIgnored() {
    Map<String, String> env = Map.of("OUTPOST_ORIGIN", ORIGIN, "OUTPOST_POOL_SIZ", "3",
        "OUTPOST_JAVA_OPTS", "-Xmx1g", "OUTPOST_TEST_ORIGIN_URL", "x", "OUTPOST_CONFIG", "/etc/outpost.yaml",
        "OUTPOST_SERVICE_HOST", "10.0.0.1", "OUTPOST_PORT", "tcp://10.0.0.1:6432", "PATH", "/bin");

    assertThat(problems(() -> ConfigLoader.load(null, env, Map.of()))).containsExactly(
        "OUTPOST_POOL_SIZ: unknown environment variable (did you mean OUTPOST_POOL_SIZE?) (allowed: OUTPOST_ followed"
            + " by a config key in upper case with '_' for '-')");
  }

  @Test
  void load_emptyEnvironmentVariable_countsAsUnset() {
    ProxyConfig c = ConfigLoader.load(null, Map.of("OUTPOST_ORIGIN", ORIGIN, "OUTPOST_POOL_SIZE", ""), Map.of());

    assertThat(c.poolSize()).isEqualTo(20);
  }

  @Test
  void load_yaml11ScalarForms_stayText() throws IOException {
    Path f = file("origin: " + ORIGIN + "\nadmin-user: yes\nadmin-password: 0700\nnode-name: 1e3\nregion: eu\n"
        + "cache: on\n");
    ProxyConfig c = ConfigLoader.load(f, Map.of(), Map.of());

    assertThat(c.admin().user()).isEqualTo("yes");
    assertThat(c.admin().password()).isEqualTo("0700");
    assertThat(c.cluster().nodeName()).isEqualTo("1e3");
    assertThat(c.cache().enabled()).isTrue();
  }

  @Test
  void load_yamlSyntaxError_isReportedByLineWithoutEchoingTheText() throws IOException {
    Path f = file("origin: " + ORIGIN + "\nadmin-password: \"unterminated-s3cret\nlisten: x\n");

    List<String> p = problems(() -> ConfigLoader.load(f, Map.of(), Map.of()));
    assertThat(p).hasSize(1);
    assertThat(p.get(0)).startsWith("config file " + f + ": line ").doesNotContain("s3cret");
  }

  @Test
  void load_duplicateYamlKey_isRejected() throws IOException {
    Path f = file("origin: " + ORIGIN + "\npool-size: 1\npool-size: 2\n");

    assertThat(problems(() -> ConfigLoader.load(f, Map.of(), Map.of()))).singleElement().asString()
        .contains("duplicate key pool-size");
  }

  @Test
  void load_missingFile_isReported() {
    Path f = dir.resolve("nope.yaml");

    assertThat(problems(() -> ConfigLoader.load(f, Map.of("OUTPOST_ORIGIN", ORIGIN), Map.of())))
        .containsExactly("config file " + f + ": not found");
  }

  @Test
  void load_tlsRequireWithoutFiles_isRejected() {
    assertThat(problems(() -> ConfigLoader.load(null, Map.of("OUTPOST_ORIGIN", ORIGIN),
        Map.of("tls-mode", "require")))).containsExactly(
        "tls-cert: missing (required when tls-mode is require)",
        "tls-key: missing (required when tls-mode is require)");
  }

  @Test
  void load_tlsFilesNamedRelativeToTheConfigFile_areResolvedThere() throws IOException {
    pem("server.crt");
    pem("server.key");
    Path f = file("origin: " + ORIGIN + "\ntls: {mode: allow, cert: server.crt, key: server.key}\n");
    TlsSettings tls = ConfigLoader.load(f, Map.of(), Map.of()).tls();

    assertThat(tls.mode()).isEqualTo(TlsMode.ALLOW);
    assertThat(tls.cert()).isEqualTo(dir.resolve("server.crt"));
    assertThat(tls.key()).isEqualTo(dir.resolve("server.key"));
  }

  @Test
  void load_tlsFileMissingOrNotPem_isRejected() throws IOException {
    Files.writeString(dir.resolve("junk.key"), "not a key");
    Path f = file("origin: " + ORIGIN + "\ntls-mode: require\ntls-cert: missing.crt\ntls-key: junk.key\n");

    assertThat(problems(() -> ConfigLoader.load(f, Map.of(), Map.of()))).containsExactlyInAnyOrder(
        "tls-cert: \"missing.crt\" is not an existing file (" + dir.resolve("missing.crt") + ") (allowed: a readable PEM file)",
        "tls-key: \"junk.key\" holds no PEM block (-----BEGIN …) (allowed: a readable PEM file)");
  }

  @Test
  void load_originRootCertInTheUrlAndAsKey_mustAgree() throws IOException {
    Path ca = pem("ca.pem");
    Path other = pem("other.pem");
    ProxyConfig same = ConfigLoader.load(null, Map.of(),
        Map.of("origin", ORIGIN + "?sslmode=verify-full&sslrootcert=" + ca, "origin-ssl-root-cert", ca.toString()));
    assertThat(same.origin().sslRootCert()).isEqualTo(ca.toString());

    assertThat(problems(() -> ConfigLoader.load(null, Map.of(),
        Map.of("origin", ORIGIN + "?sslrootcert=" + ca, "origin-ssl-root-cert", other.toString()))))
        .containsExactly("origin-ssl-root-cert: \"" + other + "\" differs from the origin URL's sslrootcert \"" + ca
            + "\" (allowed: name the CA file in one place)");
  }

  @Test
  void load_originClientCertificate_needsReadableFilesAndAnUnencryptedPkcs8Key() throws IOException {
    Path cert = pem("client.pem");
    Path key = dir.resolve("client.key");
    Files.writeString(key, "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n");
    ProxyConfig ok = ConfigLoader.load(null, Map.of(),
        Map.of("origin", ORIGIN + "?sslmode=require&sslcert=" + cert + "&sslkey=" + key));
    assertThat(ok.origin().sslCert()).isEqualTo(cert.toString());
    assertThat(ok.origin().sslKey()).isEqualTo(key.toString());

    Path pkcs1 = dir.resolve("client-rsa.key");
    Files.writeString(pkcs1, "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n");
    assertThat(problems(() -> ConfigLoader.load(null, Map.of(),
        Map.of("origin", ORIGIN + "?sslmode=require&sslcert=" + cert + "&sslkey=" + pkcs1)))).containsExactly(
        "origin: \"sslkey=" + pkcs1 + "\" is a PKCS#1 or SEC1 key (allowed: an unencrypted PKCS#8 key "
            + "(-----BEGIN PRIVATE KEY-----): openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8)");
    Path missing = dir.resolve("nowhere.pem");
    assertThat(problems(() -> ConfigLoader.load(null, Map.of(),
        Map.of("origin", ORIGIN + "?sslmode=require&sslcert=" + missing + "&sslkey=" + key)))).containsExactly(
        "origin: \"sslcert=" + missing + "\" is not an existing file (allowed: a readable PEM file)");
  }

  @Test
  void load_originUrlFilesGivenRelative_areFoundBesideTheConfigFile_whereverTheNodeRuns() throws IOException {
    pem("ca.pem");
    pem("client.pem");
    Files.writeString(dir.resolve("client.key"), "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n");
    Path f = file("origin: " + ORIGIN + "?sslmode=verify-full&sslrootcert=ca.pem&sslcert=client.pem&sslkey=client.key\n");
    OriginUrl o = ConfigLoader.load(f, Map.of(), Map.of()).origin();
    // checked beside the file, so opened there too: not relative to the directory the node started in
    assertThat(o.sslRootCert()).isEqualTo(dir.resolve("ca.pem").toString());
    assertThat(o.sslCert()).isEqualTo(dir.resolve("client.pem").toString());
    assertThat(o.sslKey()).isEqualTo(dir.resolve("client.key").toString());

    // the same CA named relative in the URL and by the key: one file, not two that differ
    Path both = file("origin: " + ORIGIN + "?sslmode=verify-full&sslrootcert=ca.pem\norigin-ssl-root-cert: ca.pem\n");
    assertThat(ConfigLoader.load(both, Map.of(), Map.of()).origin().sslRootCert())
        .isEqualTo(dir.resolve("ca.pem").toString());
  }

  @Test
  void load_clusterKeysWithoutRegion_areRejected() {
    assertThat(problems(() -> ConfigLoader.load(null, Map.of("OUTPOST_ORIGIN", ORIGIN),
        Map.of("cluster-peers", "10.0.0.1:7800")))).containsExactly(
        "cluster-peers: is set but region is not (allowed: set region to join a cluster, or remove cluster-peers)");
  }

  @Test
  void load_regionWithoutNodeName_takesTheHostName() {
    LoadedConfig c = new ConfigLoader(null, Map.of("OUTPOST_ORIGIN", ORIGIN, "HOSTNAME", "eu-host_1.internal"),
        Map.of("region", "eu-west", "cluster-peers", "10.0.0.1:7800,10.0.0.2:7800")).load();

    assertThat(c.config().cluster().nodeName()).isEqualTo("eu-host_1.internal");
    assertThat(c.source("node-name")).isEqualTo(ConfigSource.DEFAULT);
    assertThat(c.config().cluster().peers())
        .containsExactly(new HostPort("10.0.0.1", 7800), new HostPort("10.0.0.2", 7800));
    assertThat(c.config().changeFeedSlot()).isEqualTo("outpost_eu_west");
    assertThat(c.config().cluster().toClusterConfig().clusterName()).isEqualTo("outpost-eu-west");
  }

  @Test
  void load_shippedStackName_isAcceptedAndUnknownNameRejected() {
    ProxyConfig ok = ConfigLoader.load(null, Map.of("OUTPOST_ORIGIN", ORIGIN),
        Map.of("region", "eu", "node-name", "n1", "cluster-stack", "tcp"));
    assertThat(ok.cluster().stack()).isEqualTo("tcp");

    assertThat(problems(() -> ConfigLoader.load(null, Map.of("OUTPOST_ORIGIN", ORIGIN),
        Map.of("region", "eu", "node-name", "n1", "cluster-stack", "udp")))).containsExactly(
        "cluster-stack: \"udp\" is not a shipped stack (allowed: a shipped stack (tcp) or a stack file path ending in .xml)"
            + " (from --cluster-stack)");
  }

  @Test
  void load_metrics_isOffByDefaultAndTakesAnAddress() {
    assertThat(ConfigLoader.load(null, Map.of("OUTPOST_ORIGIN", ORIGIN), Map.of()).metrics()).isNull();
    assertThat(ConfigLoader.load(null, Map.of("OUTPOST_ORIGIN", ORIGIN, "OUTPOST_METRICS", "0.0.0.0:9187"),
        Map.of()).metrics()).isEqualTo(new HostPort("0.0.0.0", 9187));
    assertThat(ConfigLoader.load(null, Map.of("OUTPOST_ORIGIN", ORIGIN, "OUTPOST_METRICS", "0.0.0.0:9187"),
        Map.of("metrics", "off")).metrics()).isNull();
  }

  @Test
  void load_again_rereadsTheFile() throws IOException {
    Path f = file("origin: " + ORIGIN + "\npool-size: 5\n");
    ConfigLoader loader = new ConfigLoader(f, Map.of(), Map.of());
    assertThat(loader.load().config().poolSize()).isEqualTo(5);

    Files.writeString(f, "origin: " + ORIGIN + "\npool-size: 9\n");

    assertThat(loader.load().config().poolSize()).isEqualTo(9);
  }

  @Test
  void load_problems_neverContainASecret() throws IOException {
    Path f = file("origin: " + ORIGIN + "\nadmin-password: s3cret-admin\nusers:\n"
        + "  - {name: u, password: s3cret-user, origin-password: s3cret-origin}\n");

    List<String> p = problems(() -> ConfigLoader.load(f, Map.of(), Map.of()));
    assertThat(p).containsExactlyInAnyOrder(
        "admin-password: is set but admin-user is not (set both, or neither)",
        "users[u].origin-password: is set but origin-user is not (set both, or neither)");
    assertThat(String.join("\n", p)).doesNotContain("s3cret");
  }
}
