package dev.outpost.cache;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The exact identity of a cached result (DESIGN §6.2): database, authenticated role, the session
 * settings that shape results, the normalized statement text, the protocol flow, the parameter
 * type OIDs, formats and values, the result formats, and the Execute's row limit (a result cut at
 * the limit ends with PortalSuspended, not CommandComplete, and is a different answer).
 *
 * <p>Guarantee: two keys are {@link #equals equal} only if every component is equal (arrays by
 * content, SQL NULL parameters included); the precomputed hash only speeds up look-ups, so two
 * different tuples never share an entry, and two roles never do. Settings are kept as an exact
 * canonical string, not a digest, for the same reason. Format codes are normalized the way
 * Postgres interprets them, so equivalent Bind messages make equal keys. Immutable: the builder
 * copies the arrays it is given and accessors return copies.
 */
public final class CacheKey {

  private static final short[] NO_SHORTS = new short[0];
  private static final int[] NO_INTS = new int[0];
  private static final byte[][] NO_VALUES = new byte[0][];

  private final String database;
  private final String role;
  private final String settings;
  private final String statement;
  private final QueryProtocol protocol;
  private final int[] parameterTypes;
  private final short[] parameterFormats;
  private final byte[][] parameterValues;
  private final short[] resultFormats;
  private final int rowLimit;
  private final int hash;
  private final int weight;

  private CacheKey(Builder b) {
    this.database = b.database;
    this.role = b.role;
    this.settings = b.settings;
    this.statement = b.statement;
    this.protocol = b.protocol;
    this.parameterTypes = b.parameterTypes;
    this.parameterValues = b.parameterValues;
    this.parameterFormats = normalizeParameterFormats(b.parameterFormats, b.parameterValues.length);
    this.resultFormats = normalizeResultFormats(b.resultFormats);
    this.rowLimit = b.rowLimit;
    int h = Objects.hash(database, role, settings, statement, protocol);
    h = 31 * h + Arrays.hashCode(parameterTypes);
    h = 31 * h + Arrays.hashCode(parameterFormats);
    h = 31 * h + Arrays.deepHashCode(parameterValues);
    h = 31 * h + Arrays.hashCode(resultFormats);
    h = 31 * h + rowLimit;
    this.hash = h;
    long w = 64L + 2L * (database.length() + role.length() + settings.length() + statement.length())
        + 4L * parameterTypes.length + 2L * parameterFormats.length + 2L * resultFormats.length;
    for (byte[] v : parameterValues) {
      w += 16 + (v == null ? 0 : v.length);
    }
    this.weight = (int) Math.min(Integer.MAX_VALUE, w);
  }

  /** Starts a key for a statement run by {@code role} in {@code database}. */
  public static Builder builder(String database, String role, String normalizedStatement) {
    return new Builder(database, role, normalizedStatement);
  }

  /**
   * The canonical, unambiguous form of a settings map: entries sorted by lower-cased name, each
   * written as {@code <len>:<name>=<len>:<value>;}. Equal maps (names compared case-insensitively,
   * as Postgres does) give equal strings and different maps different strings.
   */
  public static String canonicalSettings(Map<String, String> settings) {
    TreeMap<String, String> sorted = new TreeMap<>();
    for (Map.Entry<String, String> e : settings.entrySet()) {
      String name = Objects.requireNonNull(e.getKey(), "setting name").toLowerCase(java.util.Locale.ROOT);
      String value = Objects.requireNonNull(e.getValue(), () -> "value of " + name);
      if (sorted.put(name, value) != null) {
        throw new IllegalArgumentException("setting given twice: " + name);
      }
    }
    StringBuilder out = new StringBuilder();
    sorted.forEach((k, v) -> out.append(k.length()).append(':').append(k).append('=')
        .append(v.length()).append(':').append(v).append(';'));
    return out.toString();
  }

  /**
   * Bind's parameter format codes: none means all text, one applies to all, otherwise one per
   * parameter. Expanded to one per parameter; a count that Postgres would reject is kept verbatim
   * (the origin will answer with an error, which is never cached).
   */
  static short[] normalizeParameterFormats(short[] formats, int parameters) {
    if (formats.length == 0 || formats.length == 1) {
      short f = formats.length == 0 ? 0 : formats[0];
      short[] out = new short[parameters];
      Arrays.fill(out, f);
      return out;
    }
    return formats;
  }

  /**
   * Bind's result format codes: none means all text and so does a single 0; anything else is
   * kept, because its meaning depends on the column count, which the key does not know.
   */
  static short[] normalizeResultFormats(short[] formats) {
    if (formats.length == 0 || (formats.length == 1 && formats[0] == 0)) {
      return NO_SHORTS;
    }
    return formats;
  }

  /** The database name. */
  public String database() {
    return database;
  }

  /** The authenticated role. */
  public String role() {
    return role;
  }

  /** The canonical settings string (see {@link #canonicalSettings}). */
  public String settings() {
    return settings;
  }

  /** The normalized statement text. */
  public String statement() {
    return statement;
  }

  /** The protocol flow. */
  public QueryProtocol protocol() {
    return protocol;
  }

  /** Parameter type OIDs as the client sent them in Parse (0 = unspecified); a copy. */
  public int[] parameterTypes() {
    return parameterTypes.clone();
  }

  /** Parameter format codes, one per parameter after normalization; a copy. */
  public short[] parameterFormats() {
    return parameterFormats.clone();
  }

  /** Number of parameter values. */
  public int parameterCount() {
    return parameterValues.length;
  }

  /** Parameter value {@code i} as sent (null for SQL NULL); a copy. */
  public byte[] parameterValue(int i) {
    byte[] v = parameterValues[i];
    return v == null ? null : v.clone();
  }

  /** Result format codes after normalization (empty = all text); a copy. */
  public short[] resultFormats() {
    return resultFormats.clone();
  }

  /** The Execute's row limit: 0 for all rows (and for simple queries). */
  public int rowLimit() {
    return rowLimit;
  }

  /** Approximate retained size in bytes, counted in the cache's byte bound. */
  public int weight() {
    return weight;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof CacheKey k) || hash != k.hash) {
      return false;
    }
    return protocol == k.protocol
        && rowLimit == k.rowLimit
        && database.equals(k.database)
        && role.equals(k.role)
        && statement.equals(k.statement)
        && settings.equals(k.settings)
        && Arrays.equals(parameterTypes, k.parameterTypes)
        && Arrays.equals(parameterFormats, k.parameterFormats)
        && Arrays.equals(resultFormats, k.resultFormats)
        && Arrays.deepEquals(parameterValues, k.parameterValues);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  /** Names the key without parameter values (which must never be logged). */
  @Override
  public String toString() {
    String sql = statement.length() > 60 ? statement.substring(0, 60) + "…" : statement;
    return "CacheKey[" + database + "/" + role + " " + protocol + " \"" + sql + "\" params="
        + parameterValues.length + (rowLimit > 0 ? " limit=" + rowLimit : "") + "]";
  }

  /** Builds a {@link CacheKey}; not thread-safe, single use. */
  public static final class Builder {
    private final String database;
    private final String role;
    private final String statement;
    private String settings = "";
    private QueryProtocol protocol = QueryProtocol.SIMPLE;
    private int[] parameterTypes = NO_INTS;
    private short[] parameterFormats = NO_SHORTS;
    private byte[][] parameterValues = NO_VALUES;
    private short[] resultFormats = NO_SHORTS;
    private int rowLimit;

    private Builder(String database, String role, String statement) {
      this.database = Objects.requireNonNull(database, "database");
      this.role = Objects.requireNonNull(role, "role");
      this.statement = Objects.requireNonNull(statement, "statement");
    }

    /** The result-shaping session settings (search_path, TimeZone, DateStyle, …). */
    public Builder settings(Map<String, String> resultShapingSettings) {
      this.settings = CacheKey.canonicalSettings(resultShapingSettings);
      return this;
    }

    /**
     * A settings string already made by {@link #canonicalSettings}; lets a session compute it once
     * and share the same instance across all its keys.
     */
    public Builder canonicalSettings(String canonical) {
      this.settings = Objects.requireNonNull(canonical, "canonical settings");
      return this;
    }

    /** The protocol flow (default SIMPLE). */
    public Builder protocol(QueryProtocol p) {
      this.protocol = Objects.requireNonNull(p, "protocol");
      return this;
    }

    /** Parameter type OIDs from Parse. */
    public Builder parameterTypes(int... oids) {
      this.parameterTypes = oids.clone();
      return this;
    }

    /** Parameter format codes from Bind, as sent (0, 1 or n entries). */
    public Builder parameterFormats(short... formats) {
      this.parameterFormats = formats.clone();
      return this;
    }

    /** Parameter values from Bind; a null element is SQL NULL. */
    public Builder parameterValues(byte[]... values) {
      byte[][] copy = new byte[values.length][];
      for (int i = 0; i < values.length; i++) {
        copy[i] = values[i] == null ? null : values[i].clone();
      }
      this.parameterValues = copy;
      return this;
    }

    /** Result format codes from Bind, as sent. */
    public Builder resultFormats(short... formats) {
      this.resultFormats = formats.clone();
      return this;
    }

    /** The Execute's row limit as sent: 0 (the default) for all rows. */
    public Builder rowLimit(int limit) {
      if (limit < 0) {
        throw new IllegalArgumentException("row limit " + limit);
      }
      this.rowLimit = limit;
      return this;
    }

    /** The key. */
    public CacheKey build() {
      return new CacheKey(this);
    }
  }
}
