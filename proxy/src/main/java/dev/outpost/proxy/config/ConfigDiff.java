package dev.outpost.proxy.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a reload changes: the settings whose values differ between the running configuration and
 * the newly loaded one, split into those the node applies live and those that need a restart.
 * RELOAD (the admin command and SIGHUP) applies {@link #effective()} and reports the rest.
 *
 * <p>Guarantees: {@link #effective()} equals the running configuration except for the live keys,
 * which take the new values, so restart-only settings never change under a running node (a key
 * with a live part, the origin URL, takes the new value only when that part alone changed); it is
 * valid because every rule that relates two keys relates keys of the same kind. Values in
 * {@link Change} are masked; a changed secret shows as {@code *** (changed)}.
 */
public final class ConfigDiff {
  private final ProxyConfig running;
  private final ProxyConfig loaded;
  private final List<Change> changes;

  /**
   * One changed setting.
   *
   * @param key the key's flat name
   * @param oldValue the running value, masked
   * @param newValue the loaded value, masked
   * @param live true when the node applies it now; false when it waits for a restart
   */
  public record Change(String key, String oldValue, String newValue, boolean live) {
    /** Rejects nulls. */
    public Change {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(oldValue, "oldValue");
      Objects.requireNonNull(newValue, "newValue");
    }

    /** {@code pool-size: 20 -> 40}. */
    @Override
    public String toString() {
      return key + ": " + oldValue + " -> " + newValue;
    }
  }

  private ConfigDiff(ProxyConfig running, ProxyConfig loaded, List<Change> changes) {
    this.running = running;
    this.loaded = loaded;
    this.changes = List.copyOf(changes);
  }

  /** Compares the running configuration with a newly loaded one. */
  public static ConfigDiff between(ProxyConfig running, ProxyConfig loaded) {
    Objects.requireNonNull(running, "running");
    Objects.requireNonNull(loaded, "loaded");
    List<Change> changes = new ArrayList<>();
    for (ConfigKey<?> k : ConfigKeys.all()) {
      if (k.differs(running, loaded)) {
        String before = k.display(running);
        String after = k.display(loaded);
        if (before.equals(after)) {
          // Only a secret part changed (a password inside the URL, a user's verifier).
          after = after + " (changed)";
        }
        changes.add(new Change(k.name(), before, after, k.appliesLive(running, loaded)));
      }
    }
    return new ConfigDiff(running, loaded, changes);
  }

  /** Every changed setting, in documentation order. */
  public List<Change> changes() {
    return changes;
  }

  /** True when nothing changed. */
  public boolean isEmpty() {
    return changes.isEmpty();
  }

  /** Changes the node applies now. */
  public List<Change> liveChanges() {
    return changes.stream().filter(Change::live).toList();
  }

  /** Changes that take effect only after a restart. */
  public List<Change> restartChanges() {
    return changes.stream().filter(c -> !c.live()).toList();
  }

  /** The configuration to run with now: the running one with the live changes applied. */
  public ProxyConfig effective() {
    if (liveChanges().isEmpty()) {
      return running;
    }
    ProxyConfig.Builder b = running.toBuilder();
    for (ConfigKey<?> k : ConfigKeys.all()) {
      if (k.differs(running, loaded) && k.appliesLive(running, loaded)) {
        k.copy(loaded, b);
      }
    }
    return b.build();
  }

  /**
   * One line for logs and the RELOAD reply, e.g. {@code applied pool-size: 20 -> 40; needs a
   * restart: listen: 127.0.0.1:6432 -> 0.0.0.0:6432}. Secrets masked.
   */
  public String summary() {
    if (changes.isEmpty()) {
      return "no changes";
    }
    List<String> parts = new ArrayList<>();
    if (!liveChanges().isEmpty()) {
      parts.add("applied " + String.join(", ", liveChanges().stream().map(Change::toString).toList()));
    }
    if (!restartChanges().isEmpty()) {
      parts.add("needs a restart: " + String.join(", ", restartChanges().stream().map(Change::toString).toList()));
    }
    return String.join("; ", parts);
  }
}
