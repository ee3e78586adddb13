package dev.outpost.cache;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.Optional;

/**
 * An immutable cached result: the exact backend message bytes Postgres sent (DESIGN §6.3) plus
 * what the cache needs to keep it correct — dependencies, creation time and freshness.
 *
 * <p>The byte arrays are owned by the result once built: the builder takes them without copying
 * (the proxy has already made the one copy out of its network buffers) and accessors expose
 * read-only views, so all readers share one copy and none can change it.
 *
 * <p>{@code createdAtNanos} is on the local node's {@link Ticker}; a bus that moves results
 * between processes must send the age and {@link #withCreatedAt rebase} on receipt.
 */
public final class CachedResult {

  /** Bookkeeping that a stored result costs beyond its bytes, counted in the byte bound. */
  static final int OVERHEAD_BYTES = 128;

  private final byte[] rowDescription;
  private final byte[] parameterDescription;
  private final byte[] rowsAndCompletion;
  private final long rowCount;
  private final Dependencies dependencies;
  private final long createdAtNanos;
  private final Freshness freshness;

  private CachedResult(
      byte[] rowDescription, byte[] parameterDescription, byte[] rowsAndCompletion, long rowCount,
      Dependencies dependencies, long createdAtNanos, Freshness freshness) {
    this.rowDescription = rowDescription;
    this.parameterDescription = parameterDescription;
    this.rowsAndCompletion = rowsAndCompletion;
    this.rowCount = rowCount;
    this.dependencies = dependencies;
    this.createdAtNanos = createdAtNanos;
    this.freshness = freshness;
  }

  /**
   * Starts a result from the concatenated DataRow and CommandComplete messages, which the result
   * now owns (the caller must not modify the array afterwards).
   */
  public static Builder builder(byte[] rowsAndCompletion) {
    return new Builder(rowsAndCompletion);
  }

  /** The RowDescription message, if the result has one (read-only view). */
  public Optional<ByteBuffer> rowDescription() {
    return Optional.ofNullable(rowDescription).map(CachedResult::view);
  }

  /** The statement's ParameterDescription message for extended queries, if known (read-only view). */
  public Optional<ByteBuffer> parameterDescription() {
    return Optional.ofNullable(parameterDescription).map(CachedResult::view);
  }

  /** The DataRow messages followed by the CommandComplete message (read-only view). */
  public ByteBuffer rowsAndCompletion() {
    return view(rowsAndCompletion);
  }

  /** Number of DataRow messages. */
  public long rowCount() {
    return rowCount;
  }

  /** What invalidates this result. */
  public Dependencies dependencies() {
    return dependencies;
  }

  /** When the result was read from the origin, on the local ticker. */
  public long createdAtNanos() {
    return createdAtNanos;
  }

  /** How long the result is fresh, then stale-but-servable. */
  public Freshness freshness() {
    return freshness;
  }

  /** The wire bytes held: the size compared against the maximum entry size. */
  public long byteSize() {
    return (long) rowsAndCompletion.length
        + (rowDescription == null ? 0 : rowDescription.length)
        + (parameterDescription == null ? 0 : parameterDescription.length);
  }

  /** The bytes this result costs in the cache's byte bound: its wire bytes plus a fixed overhead. */
  public long weight() {
    return byteSize() + OVERHEAD_BYTES;
  }

  /** The same result with another creation time (sharing the bytes). */
  public CachedResult withCreatedAt(long nanos) {
    return new CachedResult(
        rowDescription, parameterDescription, rowsAndCompletion, rowCount, dependencies, nanos, freshness);
  }

  /** The same result with other dependencies (sharing the bytes); e.g. views expanded later. */
  public CachedResult withDependencies(Dependencies deps) {
    return new CachedResult(
        rowDescription, parameterDescription, rowsAndCompletion, rowCount,
        Objects.requireNonNull(deps, "dependencies"), createdAtNanos, freshness);
  }

  private static ByteBuffer view(byte[] bytes) {
    return ByteBuffer.wrap(bytes).asReadOnlyBuffer();
  }

  @Override
  public String toString() {
    return "CachedResult[rows=" + rowCount + ", bytes=" + byteSize() + ", deps=" + dependencies + "]";
  }

  /** Builds a {@link CachedResult}; arrays are taken over, not copied. */
  public static final class Builder {
    private final byte[] rowsAndCompletion;
    private byte[] rowDescription;
    private byte[] parameterDescription;
    private long rowCount;
    private Dependencies dependencies = Dependencies.ALL;
    private Long createdAtNanos;
    private Freshness freshness = Freshness.DEFAULT;

    private Builder(byte[] rowsAndCompletion) {
      this.rowsAndCompletion = Objects.requireNonNull(rowsAndCompletion, "rowsAndCompletion");
    }

    /** The RowDescription message bytes (owned from now on), or null if there is none. */
    public Builder rowDescription(byte[] bytes) {
      this.rowDescription = bytes;
      return this;
    }

    /** The ParameterDescription message bytes (owned from now on), or null if unknown. */
    public Builder parameterDescription(byte[] bytes) {
      this.parameterDescription = bytes;
      return this;
    }

    /** Number of DataRow messages (default 0). */
    public Builder rowCount(long rows) {
      if (rows < 0) {
        throw new IllegalArgumentException("negative row count");
      }
      this.rowCount = rows;
      return this;
    }

    /** What invalidates the result (default {@link Dependencies#ALL}, the safe choice). */
    public Builder dependencies(Dependencies deps) {
      this.dependencies = Objects.requireNonNull(deps, "dependencies");
      return this;
    }

    /**
     * When the result was read, on the local ticker (required). Use the fill ticket's start time:
     * the data is at least as old as the moment the query was sent.
     */
    public Builder createdAtNanos(long nanos) {
      this.createdAtNanos = nanos;
      return this;
    }

    /** Freshness (default {@link Freshness#DEFAULT}). */
    public Builder freshness(Freshness f) {
      this.freshness = Objects.requireNonNull(f, "freshness");
      return this;
    }

    /** The result. */
    public CachedResult build() {
      if (createdAtNanos == null) {
        throw new IllegalStateException("createdAtNanos is required");
      }
      return new CachedResult(
          rowDescription, parameterDescription, rowsAndCompletion, rowCount, dependencies,
          createdAtNanos, freshness);
    }
  }
}
