package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.outpost.cache.CacheStatus;
import dev.outpost.proxy.config.OriginUrl;
import dev.outpost.proxy.config.TlsMode;
import dev.outpost.testkit.TestOrigin;
import java.nio.file.Files;
import java.net.Socket;
import java.nio.file.Path;
import java.sql.Connection;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * TLS towards clients (verify-full against a test CA, plaintext refused in require mode, TLS
 * started directly without an SSLRequest) and towards an origin that runs with {@code ssl = on}
 * (after an SSLRequest, or directly with {@code sslnegotiation=direct}).
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
    try (TestNode node = tlsOnlyNode(origin, db)) {

      try (Connection c = verifyFull(node, db, "")) {
        assertThat(Sql.value(c, "SELECT 'over tls'")).isEqualTo("over tls");
      }
      // SCRAM-SHA-256-PLUS: pgjdbc binds its proof to the certificate it saw; the node checks it
      // against its own (a man in the middle with another certificate could not relay the login)
      try (Connection c = verifyFull(node, db, "&channelBinding=require")) {
        assertThat(Sql.value(c, "SELECT 'bound to the channel'")).isEqualTo("bound to the channel");
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
      // the node's login binds its SCRAM proof to the origin's certificate, which Postgres checks
      OriginUrl bound = OriginUrl.parse(url.toString().replace("***", TestOrigin.APP_PASSWORD) + "&channel_binding=require");
      try (TestNode node = TestNode.start(origin, db, b -> b.origin(bound));
          Connection c = node.connect()) {
        assertThat(Sql.value(c, "SELECT 'logged in with SCRAM-SHA-256-PLUS'")).isEqualTo("logged in with SCRAM-SHA-256-PLUS");
      }
      // a man in the middle with a certificate of its own: sslmode=require does not check
      // certificates, so only the binding of the SCRAM proof to the channel stops the login
      TestCertificates mitmCerts = TestCertificates.generate(Files.createTempDirectory("outpost-mitm-"));
      try (TlsInterceptor mitm = new TlsInterceptor(origin.port(), mitmCerts.cert, mitmCerts.key)) {
        String viaMitm = "postgresql://" + TestOrigin.APP_USER + ":" + TestOrigin.APP_PASSWORD + "@localhost:"
            + mitm.port() + "/" + db + "?sslmode=require&channel_binding=";
        try (TestNode node = TestNode.start(origin, db, b -> b.origin(OriginUrl.parse(viaMitm + "disable")));
            Connection c = node.connect()) {
          assertThat(Sql.value(c, "SELECT 'relayed unnoticed'")).isEqualTo("relayed unnoticed");
        }
        try (TestNode node = TestNode.start(origin, db, b -> b.origin(OriginUrl.parse(viaMitm + "require")))) {
          SQLException e = catchThrowableOfType(SQLException.class, () -> node.connect().close());
          assertThat((Object) e).as("a login through the man in the middle must fail").isNotNull();
          assertThat(e.getSQLState()).isEqualTo("28000"); // the origin's refusal, passed on
          assertThat(e.getMessage()).containsIgnoringCase("channel binding");
        }
      }
      OriginUrl wrongCa = OriginUrl.parse("postgresql://" + TestOrigin.APP_USER + ":" + TestOrigin.APP_PASSWORD
          + "@localhost:" + origin.port() + "/" + db + "?sslmode=verify-full&sslrootcert="
          + writeOtherCa());
      try (TestNode node = TestNode.start(origin, db, b -> b.origin(wrongCa))) {
        assertThat(Sql.sqlstateOf(() -> node.connect().close())).startsWith("08");
      }
    }
  }

  @Test
  void clientStartingTlsDirectly_isServed_withAlpn_andRefusedWithout() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("tls_direct");
    try (TestNode node = tlsOnlyNode(origin, db)) {
      // pgjdbc's sslNegotiation=direct: a TLS ClientHello as the first bytes, ALPN "postgresql"
      try (Connection c = verifyFull(node, db, "&sslNegotiation=direct")) {
        assertThat(Sql.value(c, "SELECT 'direct tls'")).isEqualTo("direct tls");
      }
      // a client that starts TLS at once without naming the protocol is refused, as by Postgres 17
      SSLSocket tls = (SSLSocket) trustingTheTestCa().getSocketFactory().createSocket("127.0.0.1", node.port());
      tls.startHandshake();
      try (RawClient raw = new RawClient(tls)) {
        raw.send(RawClient.startup(3, 0, Map.of("user", TestOrigin.APP_USER, "database", db)));
        RawClient.Message refused = raw.read();
        assertThat(refused.type()).isEqualTo('E');
        assertThat(refused.field('S')).isEqualTo("FATAL");
        assertThat(refused.field('C')).isEqualTo("08P01");
        assertThat(refused.field('M')).contains("ALPN").contains("postgresql");
      }
      // a proof bound to another certificate than the node's (what a client behind a man in the
      // middle sends) is refused, and named, as by Postgres
      SSLSocket bound = (SSLSocket) trustingTheTestCa().getSocketFactory().createSocket("127.0.0.1", node.port());
      SSLParameters alpn = bound.getSSLParameters();
      alpn.setApplicationProtocols(new String[] {"postgresql"});
      bound.setSSLParameters(alpn);
      bound.startHandshake();
      try (RawClient raw = new RawClient(bound)) {
        raw.bindScramTo(new byte[32]);
        assertThatThrownBy(() -> raw.login(TestOrigin.APP_USER, TestOrigin.APP_PASSWORD, db))
            .hasMessage("login failed: SCRAM channel binding check failed");
      }
      // one that offers ALPN without "postgresql" fails in the handshake
      SSLSocket other = (SSLSocket) trustingTheTestCa().getSocketFactory().createSocket("127.0.0.1", node.port());
      SSLParameters params = other.getSSLParameters();
      params.setApplicationProtocols(new String[] {"h2"});
      other.setSSLParameters(params);
      assertThatThrownBy(other::startHandshake).isInstanceOf(java.io.IOException.class);
      other.close();
    }
  }

  @Test
  void clientStartingTlsDirectly_atANodeWithoutTls_isClosedWithoutAnAnswer_andOthersGoOn() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("tls_direct_off");
    try (TestNode node = TestNode.start(origin, db, b -> b)) {
      // the first bytes of a TLS ClientHello: a handshake record (0x16) of TLS 1.0 framing
      try (Socket tls = new Socket("127.0.0.1", node.port())) {
        tls.setSoTimeout(10_000);
        tls.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x00, 0x2f, 0x01, 0x00, 0x00, 0x2b, 0x03, 0x03});
        // Postgres without TLS closes such a connection; a plaintext error would be unreadable in a handshake
        assertThat(tls.getInputStream().read()).isEqualTo(-1);
      }
      try (Connection c = node.connect()) {
        assertThat(Sql.value(c, "SELECT 'plaintext still served'")).isEqualTo("plaintext still served");
      }
    }
  }

  @Test
  void originReachedWithDirectTls_forLoginsAndCancels() throws Exception {
    try (TestOrigin origin = TestOrigin.dedicated(Map.of("ssl", "on", "ssl_cert_file", certs.cert.toString(),
        "ssl_key_file", certs.key.toString()));
        FirstByteRelay relay = new FirstByteRelay(origin.port())) {
      String db = origin.createDatabase("origin_tls_direct");
      OriginUrl url = OriginUrl.parse("postgresql://" + TestOrigin.APP_USER + ":" + TestOrigin.APP_PASSWORD
          + "@localhost:" + relay.port() + "/" + db + "?sslmode=verify-full&sslrootcert=" + certs.ca
          + "&sslnegotiation=direct");
      try (TestNode node = TestNode.start(origin, db, b -> b.origin(url));
          Connection c = node.connect()) {
        assertThat(Sql.value(c, "SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()")).isEqualTo("true");
        try (Statement sleep = c.createStatement()) {
          sleep.setQueryTimeout(1); // pgjdbc sends a CancelRequest after a second; the node forwards it
          assertThat(Sql.sqlstateOf(() -> sleep.execute("SELECT pg_sleep(30)"))).isEqualTo("57014");
        }
        assertThat(Sql.value(c, "SELECT 'after the cancel'")).isEqualTo("after the cancel");
      }
      // the login and the cancel (and any catalog connection) each started with a TLS ClientHello
      assertThat(relay.firstBytes()).hasSizeGreaterThanOrEqualTo(2).containsOnly(0x16);
    }
  }

  /**
   * An origin whose pg_hba asks for a client certificate (method cert): the node's pooled
   * connections present the one in sslcert/sslkey, and so do its catalog connections (pgjdbc), or
   * no read could be cached. Without it the origin refuses the login, and the client reads why.
   */
  @Test
  void originAskingForAClientCertificate_getsItFromThePoolAndTheCatalog() throws Exception {
    try (TestOrigin origin = TestOrigin.dedicated(Map.of("ssl", "on", "ssl_cert_file", certs.cert.toString(),
        "ssl_key_file", certs.key.toString(), "ssl_ca_file", certs.ca.toString()))) {
      String db = origin.createDatabase("origin_client_cert");
      try (Connection su = origin.superConnection(); Statement s = su.createStatement()) {
        String hba = Sql.value(su, "SHOW hba_file");
        s.execute("COPY (SELECT unnest(ARRAY['local all all trust', 'host all postgres 127.0.0.1/32 trust', "
            + "'hostssl all " + TestOrigin.APP_USER + " 127.0.0.1/32 cert'])) TO '" + hba + "'");
        s.execute("SELECT pg_reload_conf()");
        Sql.exec(origin.superConnection(db), "CREATE TABLE kv (k int PRIMARY KEY, v text)",
            "INSERT INTO kv VALUES (1, 'one')", "GRANT SELECT ON kv TO " + TestOrigin.APP_USER);
      }
      String base = "postgresql://" + TestOrigin.APP_USER + ":" + TestOrigin.APP_PASSWORD + "@localhost:" + origin.port()
          + "/" + db + "?sslmode=verify-full&sslrootcert=" + certs.ca;
      OriginUrl withCert = OriginUrl.parse(base + "&sslcert=" + certs.clientCert + "&sslkey=" + certs.clientKey);
      try (TestNode node = TestNode.start(origin, db, b -> b.origin(withCert));
          Connection c = node.connect()) {
        assertThat(Sql.value(c, "SELECT client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()"))
            .isEqualTo("/CN=" + TestOrigin.APP_USER);
        // a read is cached once the catalog (pgjdbc, with the same certificate) has told the node
        // what it depends on; until then it goes to the origin
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> {
          assertThat(Sql.value(c, "SELECT v FROM kv WHERE k = 1")).isEqualTo("one");
          return node.node().cacheService().cache().stats().count(CacheStatus.HIT) > 0;
        });
      }
      try (TestNode node = TestNode.start(origin, db, b -> b.origin(OriginUrl.parse(base)))) {
        SQLException e = catchThrowableOfType(SQLException.class, () -> node.connect().close());
        assertThat((Object) e).as("a login without the certificate must fail").isNotNull();
        assertThat(e.getMessage()).contains("certificate");
      }
    }
  }

  @Test
  void channelBindingRequired_towardsAnOriginWithoutTls_failsWithAReason() throws Exception {
    SQLException e = loginThroughNodeFails("origin_binding_plain", "sslmode=prefer&channel_binding=require");
    assertThat(e.getSQLState()).startsWith("08");
    assertThat(e.getMessage()).contains("channel_binding=require").contains("not TLS");
  }

  /** Direct TLS needs a server that speaks it: an origin without TLS fails the login with a reason. */
  @Test
  void originWithoutTls_andDirectNegotiation_failsWithAReason() throws Exception {
    SQLException e = loginThroughNodeFails("origin_direct_plain", "sslmode=require&sslnegotiation=direct");
    assertThat(e.getSQLState()).startsWith("08");
    assertThat(e.getMessage()).contains("sslnegotiation=direct");
  }

  /** A client's login through a node whose origin URL (towards the shared origin, no TLS) ends in {@code params}. */
  private static SQLException loginThroughNodeFails(String dbName, String params) throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase(dbName);
    OriginUrl url = OriginUrl.parse("postgresql://" + TestOrigin.APP_USER + ":" + TestOrigin.APP_PASSWORD
        + "@localhost:" + origin.port() + "/" + db + "?" + params);
    try (TestNode node = TestNode.start(origin, db, b -> b.origin(url))) {
      SQLException e = catchThrowableOfType(SQLException.class, () -> node.connect().close());
      assertThat((Object) e).as("the login must fail").isNotNull();
      return e;
    }
  }

  private static TestNode tlsOnlyNode(TestOrigin origin, String db) throws Exception {
    return TestNode.start(origin, db, b -> b.tlsMode(TlsMode.REQUIRE).tlsCert(certs.cert).tlsKey(certs.key));
  }

  /** pgjdbc over TLS, checking the node's certificate against the test CA. */
  private static Connection verifyFull(TestNode node, String db, String extra) throws SQLException {
    return DriverManager.getConnection("jdbc:postgresql://localhost:" + node.port() + "/" + db + "?user="
        + TestOrigin.APP_USER + "&password=" + TestOrigin.APP_PASSWORD + "&sslmode=verify-full&sslrootcert="
        + certs.ca + extra);
  }

  private static SSLContext trustingTheTestCa() throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (var in = Files.newInputStream(certs.ca)) {
      trust.setCertificateEntry("test-ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  private static Path writeOtherCa() throws Exception {
    return TestCertificates.generate(Files.createTempDirectory("outpost-other-ca-")).ca;
  }
}
