package dev.outpost.bench.lab;

import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Where a Postgres-speaking endpoint listens and how to log in to it.
 *
 * <p>Parses and prints the libpq-style URLs that Outpost's {@code --origin} takes:
 * {@code postgresql://user:password@host:port/database} (user and password percent-encoded).
 */
public record PgAddress(String host, int port, String database, String user, String password) {

  public PgAddress {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(database, "database");
    Objects.requireNonNull(user, "user");
    if (port < 1 || port > 65_535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
  }

  /** Parses {@code postgresql://user[:password]@host[:port]/database}; query parameters are ignored. */
  public static PgAddress parse(String url) {
    if (!url.startsWith("postgresql://") && !url.startsWith("postgres://")) {
      throw new IllegalArgumentException("not a postgresql:// URL: " + url.replaceAll(":[^:@/]*@", ":***@"));
    }
    URI uri = URI.create(url.replaceFirst("^postgres(ql)?://", "http://"));
    if (uri.getRawUserInfo() == null || uri.getHost() == null) {
      throw new IllegalArgumentException("a postgresql:// URL needs user@host: " + uri.getHost());
    }
    String[] userInfo = uri.getRawUserInfo().split(":", 2);
    String path = uri.getPath();
    String database = path == null || path.length() <= 1 ? decode(userInfo[0]) : path.substring(1);
    return new PgAddress(uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort(), database,
        decode(userInfo[0]), userInfo.length > 1 ? decode(userInfo[1]) : null);
  }

  /** The same server and login, another database (PgBouncer aliases are database names). */
  public PgAddress withDatabase(String otherDatabase) {
    return new PgAddress(host, port, otherDatabase, user, password);
  }

  /** The same login and database, another host and port (e.g. a WAN emulator in front). */
  public PgAddress at(String otherHost, int otherPort) {
    return new PgAddress(otherHost, otherPort, database, user, password);
  }

  /** The libpq-style URL, password included: for child processes only, never for printing. */
  public String url() {
    return "postgresql://" + encode(user) + (password == null ? "" : ":" + encode(password)) + "@" + host + ":"
        + port + "/" + database;
  }

  /** A JDBC URL without credentials (they go into the connection properties). */
  public String jdbcUrl() {
    return "jdbc:postgresql://" + host + ":" + port + "/" + database;
  }

  /** Printable: the password masked. */
  @Override
  public String toString() {
    return "postgresql://" + user + (password == null ? "" : ":***") + "@" + host + ":" + port + "/" + database;
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
