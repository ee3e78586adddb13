package dev.outpost.proxy.config;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Builds a {@link ProxyConfig} from its three sources — the YAML file, {@code OUTPOST_…}
 * environment variables and {@code serve} flags — with the precedence flag &gt; env &gt; file &gt;
 * default, and remembers where each value came from for {@code SHOW CONFIG}.
 *
 * <p>Guarantees: unknown keys (in the file, as {@code OUTPOST_…} variables, or as flags) and bad
 * values are all reported together in one {@link ConfigException}, one message per problem, each
 * naming the key (as spelled in its source), the value (masked when secret) and what is allowed.
 * Only the value that wins is checked: a flag may replace a file value that would not parse.
 * Secrets never appear in a message.
 *
 * <p>An instance keeps its sources, so {@link #load()} can run again for a RELOAD or SIGHUP: it
 * re-reads the file (the environment and flags of a running process do not change).
 *
 * <p>Environment variables that are not keys but belong to the launcher or the surroundings are
 * ignored: {@code OUTPOST_CONFIG} (the file), {@code OUTPOST_JAVA_OPTS} and {@code OUTPOST_JAR}
 * (the launcher), {@code OUTPOST_TEST_*} (the test suite), and {@code OUTPOST_PORT*} and
 * {@code OUTPOST_SERVICE_*} (what Kubernetes defines for a service named outpost). Empty variables
 * count as unset. Every other {@code OUTPOST_…} variable must be a key.
 */
public final class ConfigLoader {
  private static final Set<String> IGNORED_ENV = Set.of("OUTPOST_CONFIG", "OUTPOST_JAVA_OPTS", "OUTPOST_JAR");
  private static final List<String> IGNORED_ENV_PREFIXES = List.of("OUTPOST_TEST_", "OUTPOST_PORT", "OUTPOST_SERVICE_");
  private static final Set<String> CLUSTER_ONLY = Set.of("node-name", "cluster-bind", "cluster-peers", "relay-bind", "relay-advertise",
      "relay-peers", "relay-stack", "cluster-max-fill-size", "cluster-stack");

  private final Path file;
  private final Map<String, String> env;
  private final Map<String, String> flags;

  /**
   * @param file the YAML file, or null for none
   * @param env the process environment (only {@code OUTPOST_…} entries and {@code HOSTNAME} are read)
   * @param flags flag values by key name without dashes ({@code "pool-size" -> "40"})
   */
  public ConfigLoader(Path file, Map<String, String> env, Map<String, String> flags) {
    this.file = file;
    this.env = Map.copyOf(Objects.requireNonNull(env, "env"));
    this.flags = Map.copyOf(Objects.requireNonNull(flags, "flags"));
  }

  /** Loads once; see {@link #load()}. */
  public static ProxyConfig load(Path fileOrNull, Map<String, String> env, Map<String, String> flags) {
    return new ConfigLoader(fileOrNull, env, flags).load().config();
  }

  /** The file this loader reads, or null. */
  public Path file() {
    return file;
  }

  /**
   * Reads the sources (the file again, if any) and builds the configuration.
   *
   * @throws ConfigException with every problem found
   */
  public LoadedConfig load() {
    Problems p = new Problems();
    ConfigFile parsed = file == null ? null : ConfigFile.read(file);
    if (parsed != null) {
      p.addAll(parsed.problems());
    }
    Map<String, String> fromEnv = envValues(p);
    Map<String, String> fromFlags = flagValues(p);
    if (parsed != null && !parsed.readable()) {
      // Without the file, every "missing" that would follow is noise.
      throw new ConfigException(p.list());
    }
    Path cwd = Path.of("").toAbsolutePath();

    ProxyConfig.Builder b = ProxyConfig.builder(null);
    Map<String, ConfigSource> sources = new LinkedHashMap<>();
    Map<String, Object> values = new HashMap<>();
    Set<String> rejected = new java.util.HashSet<>();
    for (ConfigKey<?> key : ConfigKeys.all()) {
      String name = key.name();
      Object raw;
      ConfigSource source;
      String where;
      Path base;
      if (fromFlags.containsKey(name)) {
        raw = fromFlags.get(name);
        source = ConfigSource.FLAG;
        where = " (from " + key.flag() + ")";
        base = cwd;
      } else if (fromEnv.containsKey(name)) {
        raw = fromEnv.get(name);
        source = ConfigSource.ENV;
        where = " (from " + key.envName() + ")";
        base = cwd;
      } else if (parsed != null && parsed.entries().containsKey(name)) {
        ConfigFile.Entry e = parsed.entries().get(name);
        raw = e.raw();
        source = ConfigSource.FILE;
        where = e.spelledAs().equals(name) ? "" : " (as " + e.spelledAs() + " in the file)";
        base = parsed.baseDir();
      } else {
        sources.put(name, ConfigSource.DEFAULT);
        continue;
      }
      sources.put(name, source);
      try {
        Object value = key.parse(raw, base);
        values.put(name, value);
        key.apply(b, value);
      } catch (ConfigException e) {
        rejected.add(name);
        p.addAll(e.problems());
      } catch (IllegalArgumentException e) {
        rejected.add(name);
        p.add(Problems.bad(name, key.show(raw), e.getMessage(), key.allowed()) + where);
      }
    }

    if (sources.get("origin") == ConfigSource.DEFAULT) {
      p.add("origin: missing (set origin in the config file, " + ConfigKey.envName("origin") + " or --origin)");
    } else if (values.get("origin") instanceof OriginUrl o) {
      OriginUrl resolved = checkUrlFiles(p, o, parsed, sources.get("origin"), cwd);
      if (resolved != null) {
        b.origin(resolved);
      }
    }
    if (values.get("region") == null) {
      for (String name : CLUSTER_ONLY) {
        p.check(sources.get(name) == ConfigSource.DEFAULT, () -> name
            + ": is set but region is not (allowed: set region to join a cluster, or remove " + name + ")");
      }
    } else if (values.get("node-name") == null) {
      String host = defaultNodeName();
      if (host == null) {
        p.add("node-name: missing, and the host name is not a usable node name (allowed: set node-name)");
      } else {
        b.nodeName(host);
      }
    }
    // Built even when values were rejected, so that the cross-key rules are reported in the same
    // pass for the values that did parse.
    try {
      ProxyConfig config = b.build();
      if (p.isEmpty()) {
        return new LoadedConfig(config, sources);
      }
    } catch (ConfigException e) {
      // A rule about a key whose value was rejected only repeats that problem.
      e.problems().stream().filter(m -> !rejected.contains(m.substring(0, Math.max(0, m.indexOf(':')))))
          .filter(m -> !m.startsWith("origin: missing")).forEach(p::add);
    }
    throw new ConfigException(dedupe(p.list()));
  }

  /**
   * The files the origin URL names: readable PEM, and a client key in the one form every reader
   * takes. Returns the URL with those files as absolute paths (a relative one is beside the config
   * file when the URL is written there, else in the current directory, and is opened there however
   * the node is started), or null when one is unusable.
   */
  private OriginUrl checkUrlFiles(Problems p, OriginUrl o, ConfigFile parsed, ConfigSource source, Path cwd) {
    Path base = source == ConfigSource.FILE && parsed != null ? parsed.baseDir() : cwd;
    OriginUrl resolved = o;
    boolean usable = true;
    // resolved even when origin-ssl-root-cert is set too, so that the two compare as files
    if (o.sslRootCert() != null) {
      Path ca = checkUrlFile(p, "sslrootcert", o.sslRootCert(), base, "a readable PEM file");
      usable = ca != null;
      resolved = ca == null ? resolved : resolved.withSslRootCert(ca.toString());
    }
    if (o.sslCert() != null) {
      Path cert = checkUrlFile(p, "sslcert", o.sslCert(), base, "a readable PEM file");
      Path key = checkUrlFile(p, "sslkey", o.sslKey(), base, "a readable PEM file");
      String form = key == null ? null : ValueTypes.pemKeyProblem(key);
      if (form != null) {
        p.add(Problems.bad("origin", "sslkey=" + o.sslKey(), form,
            "an unencrypted PKCS#8 key (-----BEGIN PRIVATE KEY-----): openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8"));
      }
      usable &= cert != null && key != null && form == null;
      resolved = cert == null || key == null ? resolved : resolved.withClientCertificate(cert.toString(), key.toString());
    }
    return usable ? resolved : null;
  }

  private static Path checkUrlFile(Problems p, String name, String file, Path base, String allowed) {
    try {
      return ValueTypes.readableFile(file, base, true);
    } catch (IllegalArgumentException e) {
      p.add(Problems.bad("origin", name + "=" + file, e.getMessage(), allowed));
      return null;
    }
  }

  private Map<String, String> envValues(Problems p) {
    Map<String, ConfigKey<?>> byEnv = new HashMap<>();
    ConfigKeys.all().forEach(k -> byEnv.put(k.envName(), k));
    Map<String, String> out = new HashMap<>();
    for (Map.Entry<String, String> e : env.entrySet()) {
      String name = e.getKey();
      if (!name.startsWith("OUTPOST_") || e.getValue() == null || e.getValue().isEmpty() || ignoredEnv(name)) {
        continue;
      }
      ConfigKey<?> key = byEnv.get(name);
      if (key == null) {
        List<String> envNames = new ArrayList<>(byEnv.keySet());
        p.add(name + ": unknown environment variable" + ConfigKeys.suggestion(name, envNames)
            + " (allowed: OUTPOST_ followed by a config key in upper case with '_' for '-')");
      } else if (key.fileOnly()) {
        p.add(name + ": " + key.name() + " can only be set in the config file");
      } else {
        out.put(key.name(), e.getValue());
      }
    }
    return out;
  }

  private static boolean ignoredEnv(String name) {
    return IGNORED_ENV.contains(name) || IGNORED_ENV_PREFIXES.stream().anyMatch(name::startsWith);
  }

  private Map<String, String> flagValues(Problems p) {
    Map<String, String> out = new HashMap<>();
    for (Map.Entry<String, String> e : flags.entrySet()) {
      ConfigKey<?> key = ConfigKeys.find(e.getKey()).orElse(null);
      if (key == null) {
        p.add("--" + e.getKey() + ": unknown flag" + ConfigKeys.suggestion(e.getKey()));
      } else if (key.fileOnly()) {
        p.add("--" + e.getKey() + ": " + key.name() + " can only be set in the config file");
      } else if (e.getValue() != null) {
        out.put(key.name(), e.getValue());
      }
    }
    return out;
  }

  /** The host name made into a node name, or null when nothing usable is left. */
  private String defaultNodeName() {
    String host = env.get("HOSTNAME");
    if (host == null || host.isBlank()) {
      try {
        host = InetAddress.getLocalHost().getHostName();
      } catch (java.io.IOException e) {
        return null;
      }
    }
    String name = host.replaceAll("[^A-Za-z0-9._-]", "-").replaceAll("^[^A-Za-z0-9]+", "");
    name = name.length() > 64 ? name.substring(0, 64) : name;
    return ClusterSettings.NODE_NAME.matcher(name).matches() ? name : null;
  }

  private static List<String> dedupe(List<String> problems) {
    return List.copyOf(new java.util.LinkedHashSet<>(problems));
  }
}
