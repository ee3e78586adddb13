package dev.outpost.proxy.config;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.BiPredicate;
import java.util.function.Function;

/**
 * One configuration setting: its name (the same in the file, as {@code OUTPOST_…} and as a
 * {@code serve} flag), what values it takes, whether it can change while the node runs, and how
 * to read it from and write it to a {@link ProxyConfig}. The whole set is {@link ConfigKeys#all()}.
 *
 * <p>Guarantees: {@link #display(ProxyConfig)} never shows a secret.
 *
 * @param <T> the typed value
 */
public final class ConfigKey<T> {
  private final String name;
  private final String description;
  private final ValueType<T> type;
  private final boolean live;
  private final Function<ProxyConfig, T> getter;
  private final BiConsumer<ProxyConfig.Builder, T> setter;
  private final Function<ProxyConfig, String> display;
  private final String livePart;
  private final BiPredicate<ProxyConfig, ProxyConfig> onlyLivePartDiffers;

  ConfigKey(String name, String description, ValueType<T> type, boolean live, Function<ProxyConfig, T> getter,
      BiConsumer<ProxyConfig.Builder, T> setter, Function<ProxyConfig, String> display) {
    this(name, description, type, live, getter, setter, display, null, null);
  }

  /**
   * A restart-only key of which one part ({@code livePart}, e.g. "the password") RELOAD applies:
   * {@code onlyLivePartDiffers} tells whether two configurations differ in that part alone.
   */
  ConfigKey(String name, String description, ValueType<T> type, boolean live, Function<ProxyConfig, T> getter,
      BiConsumer<ProxyConfig.Builder, T> setter, Function<ProxyConfig, String> display, String livePart,
      BiPredicate<ProxyConfig, ProxyConfig> onlyLivePartDiffers) {
    if ((livePart == null) != (onlyLivePartDiffers == null) || (live && livePart != null)) {
      throw new IllegalArgumentException(name + ": a live part needs its test, and only a restart-only key has one");
    }
    this.livePart = livePart;
    this.onlyLivePartDiffers = onlyLivePartDiffers;
    this.name = Objects.requireNonNull(name);
    this.description = Objects.requireNonNull(description);
    this.type = Objects.requireNonNull(type);
    this.live = live;
    this.getter = Objects.requireNonNull(getter);
    this.setter = Objects.requireNonNull(setter);
    this.display = display;
  }

  /** The key as written in the file, e.g. {@code auth-timeout}. */
  public String name() {
    return name;
  }

  /** The environment variable, e.g. {@code OUTPOST_AUTH_TIMEOUT}. */
  public String envName() {
    return envName(name);
  }

  static String envName(String key) {
    return "OUTPOST_" + key.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  /** The {@code serve} flag, e.g. {@code --auth-timeout}; file-only keys have none. */
  public String flag() {
    return "--" + name;
  }

  /** One sentence for {@code --help} and {@code SHOW CONFIG}. */
  public String description() {
    return description;
  }

  /** What values are allowed. */
  public String allowed() {
    return type.allowed();
  }

  /** A short placeholder for the value in {@code --help}: N, DURATION, SIZE, HOST:PORT, on|off, … */
  public String paramLabel() {
    return type.label();
  }

  /**
   * True when a new value takes effect on RELOAD; false when it needs a restart (but see {@link
   * #livePart()}).
   */
  public boolean live() {
    return live;
  }

  /**
   * The part of a restart-only value that RELOAD applies alone (the origin URL's password), or
   * null.
   */
  public String livePart() {
    return livePart;
  }

  /** How RELOAD treats the key, for {@code SHOW CONFIG}: live, restart, or which part is live. */
  public String reloadLabel() {
    return live ? "live" : livePart == null ? "restart" : "restart (" + livePart + ": live)";
  }

  /**
   * True when RELOAD can take this key from {@code loaded} while {@code running} runs: always for
   * a live key; for a key with a live part, when the two values differ in that part alone.
   */
  boolean appliesLive(ProxyConfig running, ProxyConfig loaded) {
    return live || (onlyLivePartDiffers != null && onlyLivePartDiffers.test(running, loaded));
  }

  /** True for the list-valued keys that only the config file can set ({@code users}, {@code cache-rules}). */
  public boolean fileOnly() {
    return type.fileOnly();
  }

  /** True when the whole value is a secret (shown as {@code ***}). */
  public boolean secret() {
    return type.secret();
  }

  /** The value in {@code config} as written in the file, secrets masked. */
  public String display(ProxyConfig config) {
    return display != null ? display.apply(config) : type.format(getter.apply(config));
  }

  T parse(Object raw, Path baseDir) {
    return type.parse(raw, baseDir, name);
  }

  /** How a rejected raw value is shown in a message. */
  String show(Object raw) {
    return type.show(raw);
  }

  void apply(ProxyConfig.Builder builder, Object value) {
    @SuppressWarnings("unchecked")
    T typed = (T) value;
    setter.accept(builder, typed);
  }

  /** The typed value in {@code config}. */
  T get(ProxyConfig config) {
    return getter.apply(config);
  }

  /** Copies this key's value from {@code from} into {@code to}. */
  void copy(ProxyConfig from, ProxyConfig.Builder to) {
    setter.accept(to, getter.apply(from));
  }

  /** True when the two configurations hold different values for this key (secrets compared, never shown). */
  boolean differs(ProxyConfig a, ProxyConfig b) {
    return !Objects.equals(getter.apply(a), getter.apply(b));
  }

  @Override
  public String toString() {
    return name;
  }
}
