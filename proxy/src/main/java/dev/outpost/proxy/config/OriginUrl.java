package dev.outpost.proxy.config;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The origin named by a libpq-style URL:
 * {@code postgresql://user:password@host:port/database?sslmode=require&sslrootcert=/ca.pem}, with
 * libpq's {@code sslnegotiation=direct} to start TLS without an SSLRequest (Postgres 17 or later) and
 * {@code channel_binding=disable|prefer|require} for SCRAM bound to the origin's certificate, and
 * {@code sslcert} / {@code sslkey} for a client certificate the origin may ask for (PEM; the key
 * unencrypted PKCS#8), and {@code target_session_attrs=read-write|primary} to refuse an origin host
 * that is a standby (or read-only) at login — after a failover, a DNS name may still lead there.
 * {@link #toString()} masks the password; {@link #mask(String)} masks it in a URL as written.
 */
public record OriginUrl(String host, int port, String user, String password, String database,
    SslMode sslMode, String sslRootCert, SslNegotiation sslNegotiation, ChannelBindingMode channelBinding,
    String sslCert, String sslKey, TargetSessionAttrs targetSessionAttrs) {

  /** How Outpost secures its connections to the origin (libpq's sslmode). */
  public enum SslMode {
    DISABLE, PREFER, REQUIRE, VERIFY_CA, VERIFY_FULL;

    public static SslMode parse(String text) {
      return libpqWord(SslMode.class, "sslmode", text);
    }

    public boolean verifiesCertificate() {
      return this == VERIFY_CA || this == VERIFY_FULL;
    }
  }

  /**
   * How TLS starts (libpq's sslnegotiation): {@code postgres} asks with an SSLRequest and waits for
   * the answer; {@code direct} starts the TLS handshake at once, one round trip less per new
   * connection, which only Postgres 17 or later accepts.
   */
  public enum SslNegotiation {
    POSTGRES, DIRECT;

    public static SslNegotiation parse(String text) {
      return libpqWord(SslNegotiation.class, "sslnegotiation", text);
    }
  }

  /**
   * Whether the SCRAM login binds to the TLS channel (libpq's channel_binding): {@code prefer} (the
   * default) does when the connection is TLS and the origin offers SCRAM-SHA-256-PLUS;
   * {@code require} refuses to log in any other way, which stops a man in the middle that
   * terminates TLS with its own certificate; {@code disable} never binds.
   */
  public enum ChannelBindingMode {
    DISABLE, PREFER, REQUIRE;

    public static ChannelBindingMode parse(String text) {
      return libpqWord(ChannelBindingMode.class, "channel_binding", text);
    }
  }

  /**
   * Which origin server a new connection may stay on (libpq's target_session_attrs), checked from
   * what the server reports at login (Postgres 14 or later): {@code any} (the default) takes
   * whatever answers; {@code primary} refuses a hot standby ({@code in_hot_standby = on});
   * {@code read-write} also refuses a server whose sessions default to read-only
   * ({@code default_transaction_read_only = on}). The node writes through its connections, so
   * libpq's {@code read-only}, {@code standby} and {@code prefer-standby} are refused.
   */
  public enum TargetSessionAttrs {
    ANY, READ_WRITE, PRIMARY;

    public static TargetSessionAttrs parse(String text) {
      String t = text.trim().toLowerCase(Locale.ROOT);
      if (t.equals("read-only") || t.equals("standby") || t.equals("prefer-standby")) {
        throw new IllegalArgumentException("target_session_attrs=" + t + " is not supported: clients write through "
            + "the node's origin connections, which a standby refuses; use read-write, primary or any");
      }
      return libpqWord(TargetSessionAttrs.class, "target_session_attrs", text);
    }

    /** The libpq spelling ({@code read-write}). */
    public String label() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  /** The constant of {@code type} a libpq parameter value names ({@code verify-full} → VERIFY_FULL). */
  private static <E extends Enum<E>> E libpqWord(Class<E> type, String parameter, String text) {
    try {
      return Enum.valueOf(type, text.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
    } catch (IllegalArgumentException e) {
      StringBuilder allowed = new StringBuilder();
      for (E c : type.getEnumConstants()) {
        allowed.append(allowed.length() == 0 ? "" : ", ").append(c.name().toLowerCase(Locale.ROOT).replace('_', '-'));
      }
      throw new IllegalArgumentException("invalid " + parameter + " '" + text + "': allowed are " + allowed);
    }
  }

  /** An origin reached with the usual TLS negotiation (an SSLRequest first) and channel binding when offered. */
  public OriginUrl(String host, int port, String user, String password, String database, SslMode sslMode,
      String sslRootCert) {
    this(host, port, user, password, database, sslMode, sslRootCert, SslNegotiation.POSTGRES, ChannelBindingMode.PREFER,
        null, null, TargetSessionAttrs.ANY);
  }

  public OriginUrl {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(database, "database");
    Objects.requireNonNull(sslMode, "sslMode");
    Objects.requireNonNull(sslNegotiation, "sslNegotiation");
    Objects.requireNonNull(channelBinding, "channelBinding");
    Objects.requireNonNull(targetSessionAttrs, "targetSessionAttrs");
    if (channelBinding == ChannelBindingMode.REQUIRE && sslMode == SslMode.DISABLE) {
      throw new IllegalArgumentException("channel_binding=require needs TLS to the origin: set sslmode=require, "
          + "verify-ca or verify-full");
    }
    if (sslNegotiation == SslNegotiation.DIRECT && (sslMode == SslMode.DISABLE || sslMode == SslMode.PREFER)) {
      // as libpq: falling back to plaintext would cost the round trip that direct saves
      throw new IllegalArgumentException("sslnegotiation=direct needs sslmode=require, verify-ca or verify-full (it is "
          + sslMode.name().toLowerCase(Locale.ROOT) + ")");
    }
    if ((sslCert == null) != (sslKey == null)) {
      throw new IllegalArgumentException("sslcert and sslkey go together: give both (the client certificate and "
          + "its key) or neither");
    }
    if (sslCert != null && sslMode == SslMode.DISABLE) {
      throw new IllegalArgumentException("sslcert needs TLS to the origin: set sslmode=require, verify-ca or verify-full");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("invalid origin port " + port);
    }
  }

  /** Parses {@code postgresql://} or {@code postgres://} URLs. */
  public static OriginUrl parse(String url) {
    if (url == null || !(url.startsWith("postgresql://") || url.startsWith("postgres://"))) {
      throw new IllegalArgumentException("invalid origin URL: expected postgresql://user:password@host:port/database");
    }
    String rest = url.substring(url.indexOf("://") + 3);
    String query = "";
    int q = rest.indexOf('?');
    if (q >= 0) {
      query = rest.substring(q + 1);
      rest = rest.substring(0, q);
    }
    String userInfo = null;
    int at = rest.lastIndexOf('@');
    if (at >= 0) {
      userInfo = rest.substring(0, at);
      rest = rest.substring(at + 1);
    }
    String database = null;
    int slash = rest.indexOf('/');
    if (slash >= 0) {
      database = decode(rest.substring(slash + 1));
      rest = rest.substring(0, slash);
    }
    String host = rest;
    int port = 5432;
    int colon = rest.lastIndexOf(':');
    if (colon >= 0 && !rest.endsWith("]")) {
      host = rest.substring(0, colon);
      try {
        port = Integer.parseInt(rest.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("invalid origin URL: port '" + rest.substring(colon + 1) + "' is not a number");
      }
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    String user = null;
    String password = null;
    if (userInfo != null) {
      int c = userInfo.indexOf(':');
      user = decode(c < 0 ? userInfo : userInfo.substring(0, c));
      password = c < 0 ? null : decode(userInfo.substring(c + 1));
    }
    Map<String, String> params = new LinkedHashMap<>();
    for (String kv : query.split("&")) {
      if (kv.isEmpty()) {
        continue;
      }
      int e = kv.indexOf('=');
      params.put(decode(e < 0 ? kv : kv.substring(0, e)), e < 0 ? "" : decode(kv.substring(e + 1)));
    }
    checkParameters(params.keySet());
    if (params.containsKey("host")) {
      host = sameOrOnly("host", host, params.get("host"), "");
    }
    if (host.isEmpty()) {
      throw new IllegalArgumentException("invalid origin URL: no host");
    }
    if (host.contains(",")) {
      throw new IllegalArgumentException("invalid origin URL: several hosts are not supported: a node connects to one "
          + "origin; point it at the primary (or at a proxy in front of the hosts)");
    }
    if (params.containsKey("port")) {
      String given = sameOrOnly("port", colon >= 0 && !rest.endsWith("]") ? Integer.toString(port) : "",
          params.get("port"), "");
      try {
        port = Integer.parseInt(given);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("invalid origin URL: port '" + given + "' is not a number");
      }
    }
    if (user == null) {
      user = params.getOrDefault("user", "postgres");
    }
    if (password == null) {
      password = params.get("password");
    }
    if (database == null || database.isEmpty()) {
      database = params.getOrDefault("dbname", user);
    }
    SslMode mode = SslMode.parse(params.getOrDefault("sslmode", "disable"));
    SslNegotiation negotiation = SslNegotiation.parse(params.getOrDefault("sslnegotiation", "postgres"));
    ChannelBindingMode binding = ChannelBindingMode.parse(params.getOrDefault("channel_binding", "prefer"));
    TargetSessionAttrs attrs = TargetSessionAttrs.parse(params.getOrDefault("target_session_attrs", "any"));
    return new OriginUrl(host, port, user, password, database, mode, params.get("sslrootcert"), negotiation, binding,
        params.get("sslcert"), params.get("sslkey"), attrs);
  }

  /** The libpq parameters the node reads from the URL's query. */
  private static final Set<String> READ = Set.of("user", "password", "dbname", "host", "port", "sslmode",
      "sslrootcert", "sslnegotiation", "channel_binding", "sslcert", "sslkey", "target_session_attrs");
  /**
   * libpq parameters accepted and not read: the node's own settings take their place
   * (connect-timeout, origin-keepalive, origin-tcp-user-timeout) or they only label connections.
   */
  private static final Set<String> REPLACED = Set.of("connect_timeout", "keepalives", "keepalives_idle",
      "keepalives_interval", "keepalives_count", "tcp_user_timeout", "application_name", "fallback_application_name");

  /**
   * Refuses a parameter that would change how the node logs in, what its sessions see or which host
   * it reaches, rather than ignore it: a URL copied from an application may carry one.
   */
  private static void checkParameters(Set<String> names) {
    for (String name : names) {
      if (READ.contains(name) || REPLACED.contains(name)) {
        continue;
      }
      String why = switch (name) {
        case "options" -> "session settings for the pooled connections belong on the role or database instead "
            + "(ALTER ROLE … SET name = value), where every origin connection gets them";
        case "sslpassword" -> "encrypted keys are not supported: give sslkey an unencrypted PKCS#8 key "
            + "(openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8) readable only by the node's user";
        case "sslcertmode" -> "the node sends its client certificate whenever sslcert is given";
        case "load_balance_hosts" ->
            "a node connects to one origin host; point it at the primary (or at a proxy in front of the hosts)";
        default -> "Outpost reads " + String.join(", ", new java.util.TreeSet<>(READ))
            + " and accepts (without using them) " + String.join(", ", new java.util.TreeSet<>(REPLACED));
      };
      throw new IllegalArgumentException("invalid origin URL: parameter " + name + " is not supported: " + why);
    }
  }

  /** A part given both in the URL's authority and as a parameter must be the same. */
  private static String sameOrOnly(String what, String inAuthority, String asParameter, String none) {
    if (inAuthority.equals(none) || inAuthority.equals(asParameter)) {
      return asParameter;
    }
    throw new IllegalArgumentException("invalid origin URL: the " + what + " is given twice, differently");
  }

  /**
   * The text of a URL with its password replaced by {@code ***} (in the user-info part and in a
   * {@code password=} parameter), for messages about a URL that may not even parse.
   */
  public static String mask(String url) {
    if (url == null) {
      return null;
    }
    String masked = url.replaceAll("(?i)([?&]password=)[^&]*", "$1***");
    int scheme = masked.indexOf("://");
    int query = masked.indexOf('?');
    int at = masked.lastIndexOf('@', query < 0 ? masked.length() : query);
    if (scheme >= 0 && at > scheme) {
      int colon = masked.indexOf(':', scheme + 3);
      if (colon >= 0 && colon < at) {
        masked = masked.substring(0, colon + 1) + "***" + masked.substring(at);
      }
    }
    return masked;
  }

  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  /** The same origin as another role. */
  public OriginUrl withCredentials(String otherUser, String otherPassword) {
    return new OriginUrl(host, port, otherUser, otherPassword, database, sslMode, sslRootCert, sslNegotiation, channelBinding,
        sslCert, sslKey, targetSessionAttrs);
  }

  /** The same origin with another database. */
  public OriginUrl withDatabase(String db) {
    return new OriginUrl(host, port, user, password, db, sslMode, sslRootCert, sslNegotiation, channelBinding,
        sslCert, sslKey, targetSessionAttrs);
  }

  /** The same origin with a CA file for verifying its certificate. */
  public OriginUrl withSslRootCert(String caFile) {
    return new OriginUrl(host, port, user, password, database, sslMode, caFile, sslNegotiation, channelBinding,
        sslCert, sslKey, targetSessionAttrs);
  }

  /** The same origin with a client certificate and its key. */
  public OriginUrl withClientCertificate(String cert, String key) {
    return new OriginUrl(host, port, user, password, database, sslMode, sslRootCert, sslNegotiation, channelBinding,
        cert, key, targetSessionAttrs);
  }

  /** host:port, for messages. */
  public String address() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  @Override
  public String toString() {
    return "postgresql://" + user + (password == null ? "" : ":***") + "@" + address() + "/" + database
        + "?sslmode=" + sslMode.name().toLowerCase(Locale.ROOT).replace('_', '-')
        + (sslRootCert == null ? "" : "&sslrootcert=" + sslRootCert)
        + (sslNegotiation == SslNegotiation.DIRECT ? "&sslnegotiation=direct" : "")
        + (channelBinding == ChannelBindingMode.PREFER ? ""
            : "&channel_binding=" + channelBinding.name().toLowerCase(Locale.ROOT))
        + (sslCert == null ? "" : "&sslcert=" + sslCert + "&sslkey=" + sslKey)
        + (targetSessionAttrs == TargetSessionAttrs.ANY ? "" : "&target_session_attrs=" + targetSessionAttrs.label());
  }
}
