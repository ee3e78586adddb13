package dev.outpost.proxy.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A configuration together with where each of its values came from: what the node runs with and
 * what {@code SHOW CONFIG} shows.
 *
 * <p>Guarantees: every key of {@link ConfigKeys#all()} has a source; {@link #rows()} never shows a
 * secret.
 *
 * @param config the configuration
 * @param sources the source of each key, by flat name
 */
public record LoadedConfig(ProxyConfig config, Map<String, ConfigSource> sources) {

  /** Fills in {@link ConfigSource#DEFAULT} for keys without a source and copies the map. */
  public LoadedConfig {
    Objects.requireNonNull(config, "config");
    Map<String, ConfigSource> copy = new LinkedHashMap<>();
    for (ConfigKey<?> k : ConfigKeys.all()) {
      copy.put(k.name(), sources.getOrDefault(k.name(), ConfigSource.DEFAULT));
    }
    sources = Collections.unmodifiableMap(copy);
  }

  /**
   * For a configuration built in code: a key whose value differs from the default is marked
   * {@link ConfigSource#CODE}, the others {@link ConfigSource#DEFAULT}.
   */
  public static LoadedConfig fromCode(ProxyConfig config) {
    ProxyConfig defaults = ProxyConfig.builder(config.origin()).region(config.cluster().region())
        .nodeName(config.cluster().nodeName()).build();
    Map<String, ConfigSource> sources = new LinkedHashMap<>();
    for (ConfigKey<?> k : ConfigKeys.all()) {
      sources.put(k.name(), k.differs(defaults, config) ? ConfigSource.CODE : ConfigSource.DEFAULT);
    }
    // The origin has no default: code always chose it.
    sources.put("origin", ConfigSource.CODE);
    return new LoadedConfig(config, sources);
  }

  /** Where {@code key}'s value came from. */
  public ConfigSource source(String key) {
    ConfigSource s = sources.get(key);
    if (s == null) {
      throw new IllegalArgumentException("unknown config key " + key);
    }
    return s;
  }

  /** Every key with its masked value and source, in documentation order, for {@code SHOW CONFIG}. */
  public List<ConfigRow> rows() {
    List<ConfigRow> rows = new ArrayList<>();
    for (ConfigKey<?> k : ConfigKeys.all()) {
      rows.add(new ConfigRow(k.name(), k.display(config), sources.get(k.name()), k.reloadLabel()));
    }
    return rows;
  }
}
