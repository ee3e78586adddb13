package dev.outpost.changefeed;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Properties;

/**
 * How the change feed reaches the origin: address, database, role and TLS settings.
 *
 * <p>Guarantees: the password never appears in {@link #toString()} or in a URL built here (it is
 * passed to pgjdbc as a connection property); every connection opened from it has bounded
 * connect and socket timeouts and identifies itself as {@code outpost-change-feed} in
 * {@code pg_stat_activity}.
 *
 * @param host origin host name or address
 * @param port origin port
 * @param database the database whose changes are consumed (a logical slot belongs to one database)
 * @param user the role; needs the REPLICATION attribute (or superuser)
 * @param password the password, or null for trust/peer authentication
 * @param sslMode libpq's sslmode
 * @param sslRootCert PEM file of the CA that signed the origin's certificate, or null
 * @param directTls start TLS without an SSLRequest (libpq's sslnegotiation=direct; Postgres 17+)
 * @param channelBinding libpq's channel_binding: disable, prefer or require
 * @param sslCert PEM file of a client certificate to present, or null
 * @param sslKey its private key (PEM, unencrypted PKCS#8), or null
 * @param moreHosts further origin hosts ({@code host:port}, an IPv6 address in brackets), tried in
 *     turn after {@code host} (pgjdbc's multi-host URL); empty for one host
 * @param primaryOnly connect only to a primary (pgjdbc's {@code targetServerType=primary}): the
 *     origin URL's target_session_attrs, or several hosts (a slot lives on the primary)
 */
public record ConnectionInfo(String host, int port, String database, String user, String password,
    SslMode sslMode, String sslRootCert, boolean directTls, String channelBinding, String sslCert, String sslKey,
    List<String> moreHosts, boolean primaryOnly) {

  /** One origin host, whatever server answers there. */
  public ConnectionInfo(String host, int port, String database, String user, String password, SslMode sslMode,
      String sslRootCert, boolean directTls, String channelBinding, String sslCert, String sslKey) {
    this(host, port, database, user, password, sslMode, sslRootCert, directTls, channelBinding, sslCert, sslKey,
        List.of(), false);
  }

  /** An origin reached with an SSLRequest and channel binding when offered (libpq's defaults). */
  public ConnectionInfo(String host, int port, String database, String user, String password, SslMode sslMode,
      String sslRootCert) {
    this(host, port, database, user, password, sslMode, sslRootCert, false, "prefer", null, null);
  }

  /** libpq's sslmode, as pgjdbc understands it. */
  public enum SslMode {
    DISABLE, ALLOW, PREFER, REQUIRE, VERIFY_CA, VERIFY_FULL;

    /** The spelling libpq and pgjdbc use ({@code verify-full}). */
    public String label() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Reads a libpq spelling (any case, '-' or '_'). */
    public static SslMode parse(String text) {
      try {
        return valueOf(text.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
      } catch (IllegalArgumentException | NullPointerException e) {
        throw new IllegalArgumentException("invalid sslmode '" + text
            + "': allowed are disable, allow, prefer, require, verify-ca, verify-full");
      }
    }
  }

  /** Checks that the fields name a reachable origin. */
  public ConnectionInfo {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(database, "database");
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(sslMode, "sslMode");
    Objects.requireNonNull(channelBinding, "channelBinding");
    moreHosts = List.copyOf(moreHosts);
    if (host.isBlank() || database.isEmpty() || user.isEmpty()) {
      throw new IllegalArgumentException("host, database and user must not be empty");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("invalid origin port " + port);
    }
  }

  /** Plain TCP (sslmode disable), for tests and loopback origins. */
  public static ConnectionInfo plain(String host, int port, String database, String user, String password) {
    return new ConnectionInfo(host, port, database, user, password, SslMode.DISABLE, null);
  }

  /** The same origin, role and database with another password (a rotated one). */
  public ConnectionInfo withPassword(String otherPassword) {
    return new ConnectionInfo(host, port, database, user, otherPassword, sslMode, sslRootCert, directTls,
        channelBinding, sslCert, sslKey, moreHosts, primaryOnly);
  }

  /** The same origin and role, another database. */
  public ConnectionInfo withDatabase(String otherDatabase) {
    return new ConnectionInfo(host, port, otherDatabase, user, password, sslMode, sslRootCert, directTls,
        channelBinding, sslCert, sslKey, moreHosts, primaryOnly);
  }

  /**
   * The URL of a logical replication connection: {@code replication=database} (a walsender that
   * also runs SQL), {@code assumeMinServerVersion=10} (skip pgjdbc's start-up queries, which a
   * walsender would refuse) and {@code preferQueryMode=simple} (the replication protocol speaks
   * the simple query protocol only).
   */
  public String replicationUrl() {
    return controlUrl() + "?replication=database&assumeMinServerVersion=10&preferQueryMode=simple";
  }

  /** The URL of an ordinary connection, for catalog look-ups and the slot monitor. */
  public String controlUrl() {
    String h = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
    return "jdbc:postgresql://" + h + ":" + port + (moreHosts.isEmpty() ? "" : "," + String.join(",", moreHosts))
        + "/" + URLEncoder.encode(database, StandardCharsets.UTF_8);
  }

  /** Credentials, TLS and timeouts as pgjdbc connection properties. */
  public Properties properties(Duration connectTimeout, Duration socketTimeout) {
    Properties p = new Properties();
    p.setProperty("user", user);
    if (password != null) {
      p.setProperty("password", password);
    }
    p.setProperty("sslmode", sslMode.label());
    if (sslRootCert != null) {
      p.setProperty("sslrootcert", sslRootCert);
    }
    if (directTls) {
      p.setProperty("sslNegotiation", "direct");
    }
    p.setProperty("channelBinding", channelBinding);
    if (primaryOnly) {
      p.setProperty("targetServerType", "primary");
    }
    if (sslCert != null) {
      p.setProperty("sslcert", sslCert);
      p.setProperty("sslkey", sslKey);
      p.setProperty("pemKeyAlgorithm", keyAlgorithm(sslCert));
    }
    p.setProperty("ApplicationName", "outpost-change-feed");
    p.setProperty("connectTimeout", Long.toString(Math.max(1, connectTimeout.toSeconds())));
    p.setProperty("socketTimeout", Long.toString(Math.max(0, socketTimeout.toSeconds())));
    p.setProperty("tcpKeepAlive", "true");
    return p;
  }

  /**
   * The algorithm of the key that goes with the client certificate in {@code certFile} ("RSA",
   * "EC"), which pgjdbc needs to read a PEM key; "RSA" (its default) when the file cannot be read
   * here (the connection then reports the problem).
   */
  public static String keyAlgorithm(String certFile) {
    try (java.io.InputStream in = java.nio.file.Files.newInputStream(java.nio.file.Path.of(certFile))) {
      return java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in).getPublicKey()
          .getAlgorithm();
    } catch (java.io.IOException | java.security.cert.CertificateException | RuntimeException e) {
      return "RSA";
    }
  }

  @Override
  public String toString() {
    return "postgresql://" + user + (password == null ? "" : ":***") + "@" + host + ":" + port
        + (moreHosts.isEmpty() ? "" : "," + String.join(",", moreHosts)) + "/" + database
        + "?sslmode=" + sslMode.label() + (sslRootCert == null ? "" : "&sslrootcert=" + sslRootCert);
  }
}
