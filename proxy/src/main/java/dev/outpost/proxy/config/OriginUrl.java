package dev.outpost.proxy.config;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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
 *
 * <p>Several hosts may be listed as libpq reads them ({@code postgresql://db1:5432,db2:5432/shop},
 * or {@code host=db1,db2&port=5432}): a new origin connection tries them in turn until one
 * accepts it and suits {@code target_session_attrs} (see {@link OriginHost}). A copy for one of
 * them ({@link #at(OriginHost)}) is what a single connection uses; {@link #host()} and
 * {@link #port()} are the first host's.
 *
 * <p>{@link #toString()} masks the password; {@link #mask(String)} masks it in a URL as written.
 */
public record OriginUrl(List<OriginHost> hosts, String user, String password, String database,
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

  public OriginUrl {
    hosts = List.copyOf(hosts);
    if (hosts.isEmpty()) {
      throw new IllegalArgumentException("invalid origin URL: no host");
    }
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
  }

  /** The first host's name (the only one, unless the URL lists several). */
  public String host() {
    return hosts.get(0).host();
  }

  /** The first host's port (the only one, unless the URL lists several). */
  public int port() {
    return hosts.get(0).port();
  }

  /** Whether the URL lists more than one host. */
  public boolean severalHosts() {
    return hosts.size() > 1;
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
    List<String> authorityHosts = new ArrayList<>();
    List<String> authorityPorts = new ArrayList<>();
    if (!rest.isEmpty()) {
      for (String one : rest.split(",", -1)) {
        int colon = one.lastIndexOf(':');
        boolean hasPort = colon >= 0 && !one.endsWith("]");
        String h = hasPort ? one.substring(0, colon) : one;
        if (h.startsWith("[") && h.endsWith("]")) {
          h = h.substring(1, h.length() - 1);
        }
        authorityHosts.add(h);
        authorityPorts.add(hasPort ? one.substring(colon + 1) : "");
      }
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
    String hostText = sameOrOnly("host", String.join(",", authorityHosts), params.get("host"));
    boolean portsInAuthority = authorityPorts.stream().anyMatch(p -> !p.isEmpty());
    String portText = sameOrOnly("port", portsInAuthority ? String.join(",", authorityPorts) : "", params.get("port"));
    List<OriginHost> hosts = hosts(hostText, portText);
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
    return new OriginUrl(hosts, user, password, database, mode, params.get("sslrootcert"), negotiation, binding,
        params.get("sslcert"), params.get("sslkey"), attrs);
  }

  /**
   * The hosts of a comma-separated list with their ports: one port for all, one per host, or
   * 5432 where none is given (libpq's rules).
   */
  private static List<OriginHost> hosts(String hostText, String portText) {
    if (hostText.isEmpty()) {
      throw new IllegalArgumentException("invalid origin URL: no host");
    }
    String[] names = hostText.split(",", -1);
    String[] ports = portText.isEmpty() ? new String[0] : portText.split(",", -1);
    if (ports.length > 1 && ports.length != names.length) {
      throw new IllegalArgumentException("invalid origin URL: " + ports.length + " ports for " + names.length
          + " hosts: give one port for all hosts or one for each");
    }
    List<OriginHost> hosts = new ArrayList<>();
    for (int i = 0; i < names.length; i++) {
      String name = names[i].trim();
      if (name.isEmpty()) {
        throw new IllegalArgumentException("invalid origin URL: an empty host in the host list '" + hostText
            + "' (Unix-domain sockets are not supported: give a host name or address)");
      }
      String p = ports.length == 0 ? "" : ports[ports.length == 1 ? 0 : i].trim();
      int port;
      try {
        port = p.isEmpty() ? 5432 : Integer.parseInt(p);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("invalid origin URL: port '" + p + "' is not a number");
      }
      hosts.add(new OriginHost(name, port));
    }
    return hosts;
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
        case "load_balance_hosts" -> "the node tries the listed hosts in order (its pool stays on one server: "
            + "clients of a transaction pool would otherwise read from different servers)";
        default -> "Outpost reads " + String.join(", ", new java.util.TreeSet<>(READ))
            + " and accepts (without using them) " + String.join(", ", new java.util.TreeSet<>(REPLACED));
      };
      throw new IllegalArgumentException("invalid origin URL: parameter " + name + " is not supported: " + why);
    }
  }

  /** A part given both in the URL's authority and as a parameter must be the same. */
  private static String sameOrOnly(String what, String inAuthority, String asParameter) {
    if (asParameter == null) {
      return inAuthority;
    }
    if (inAuthority.isEmpty() || inAuthority.equals(asParameter)) {
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
    return copy(hosts, otherUser, otherPassword, database, sslRootCert, sslCert, sslKey);
  }

  /** The same origin with another database. */
  public OriginUrl withDatabase(String db) {
    return copy(hosts, user, password, db, sslRootCert, sslCert, sslKey);
  }

  /** The same origin with a CA file for verifying its certificate. */
  public OriginUrl withSslRootCert(String caFile) {
    return copy(hosts, user, password, database, caFile, sslCert, sslKey);
  }

  /** The same origin with a client certificate and its key. */
  public OriginUrl withClientCertificate(String cert, String key) {
    return copy(hosts, user, password, database, sslRootCert, cert, key);
  }

  /** The same origin at one of its hosts only: what a single origin connection reaches. */
  public OriginUrl at(OriginHost host) {
    return copy(List.of(host), user, password, database, sslRootCert, sslCert, sslKey);
  }

  /** A copy with the parts the {@code with…} methods and {@link #at} change; the TLS and session choices stay. */
  private OriginUrl copy(List<OriginHost> h, String u, String pw, String db, String rootCert, String cert, String key) {
    return new OriginUrl(h, u, pw, db, sslMode, rootCert, sslNegotiation, channelBinding, cert, key, targetSessionAttrs);
  }

  /** host:port, or the comma-separated list of them, for messages. */
  public String address() {
    StringBuilder b = new StringBuilder();
    for (OriginHost h : hosts) {
      b.append(b.length() == 0 ? "" : ",").append(h.address());
    }
    return b.toString();
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
