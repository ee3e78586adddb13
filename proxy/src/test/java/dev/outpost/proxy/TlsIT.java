package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.proxy.config.OriginUrl;
import dev.outpost.proxy.config.TlsMode;
import dev.outpost.testkit.TestOrigin;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * TLS towards clients (verify-full against a test CA, plaintext refused in require mode) and
 * towards an origin that runs with {@code ssl = on}.
 */
class TlsIT {
  private static TestCertificates certs;

  @BeforeAll
  static void certificates() throws Exception {
    certs = TestCertificates.generate(Files.createTempDirectory("outpost-tls-"));
  }

  @Test
  void clientTls_verifyFull_againstTheTestCa_andPlaintextRefusedInRequireMode() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("tls");
    try (TestNode node = TestNode.start(origin, db, b -> b.tlsMode(TlsMode.REQUIRE).tlsCert(certs.cert)
        .tlsKey(certs.key))) {

      try (Connection c = DriverManager.getConnection("jdbc:postgresql://localhost:" + node.port() + "/" + db
          + "?user=" + TestOrigin.APP_USER + "&password=" + TestOrigin.APP_PASSWORD + "&sslmode=verify-full"
          + "&sslrootcert=" + certs.ca)) {
        assertThat(Sql.value(c, "SELECT 'over tls'")).isEqualTo("over tls");
      }
      String state = Sql.sqlstateOf(() -> node.connect("sslmode=disable").close());
      assertThat(state).isEqualTo("28000");

    }
  }

  @Test
  void originWithSslOn_reachedWithVerifyFull() throws Exception {
    try (TestOrigin origin = TestOrigin.dedicated(Map.of("ssl", "on", "ssl_cert_file", certs.cert.toString(),
        "ssl_key_file", certs.key.toString()))) {
      String db = origin.createDatabase("origin_tls");
      OriginUrl url = OriginUrl.parse("postgresql://" + TestOrigin.APP_USER + ":" + TestOrigin.APP_PASSWORD
          + "@localhost:" + origin.port() + "/" + db + "?sslmode=verify-full&sslrootcert=" + certs.ca);
      try (TestNode node = TestNode.start(origin, db, b -> b.origin(url));
          Connection c = node.connect()) {
        assertThat(Sql.value(c, "SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()")).isEqualTo("true");
      }
      OriginUrl wrongCa = OriginUrl.parse("postgresql://" + TestOrigin.APP_USER + ":" + TestOrigin.APP_PASSWORD
          + "@localhost:" + origin.port() + "/" + db + "?sslmode=verify-full&sslrootcert="
          + writeOtherCa());
      try (TestNode node = TestNode.start(origin, db, b -> b.origin(wrongCa))) {
        assertThat(Sql.sqlstateOf(() -> node.connect().close())).startsWith("08");
      }
    }
  }

  private static Path writeOtherCa() throws Exception {
    return TestCertificates.generate(Files.createTempDirectory("outpost-other-ca-")).ca;
  }
}
