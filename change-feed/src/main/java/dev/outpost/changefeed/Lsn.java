package dev.outpost.changefeed;

import java.util.Locale;

/**
 * A position in the origin's write-ahead log, printed the way Postgres prints it ({@code 16/B374D848}).
 *
 * <p>Guarantees: ordering is unsigned (an LSN is a 64-bit unsigned byte position), so
 * {@link #compareTo} agrees with Postgres' {@code pg_lsn} ordering; {@link #parse} accepts exactly
 * what {@link #toString} produces.
 *
 * @param value the 64-bit position; 0 is {@link #INVALID}
 */
public record Lsn(long value) implements Comparable<Lsn> {

  /** {@code 0/0}: no position (Postgres' InvalidXLogRecPtr). */
  public static final Lsn INVALID = new Lsn(0);

  /** Reads {@code X/Y} with both halves in hexadecimal. */
  public static Lsn parse(String text) {
    int slash = text == null ? -1 : text.indexOf('/');
    if (slash <= 0 || slash == text.length() - 1) {
      throw new IllegalArgumentException("invalid LSN '" + text + "': expected X/Y in hexadecimal");
    }
    try {
      long high = Long.parseLong(text.substring(0, slash), 16);
      long low = Long.parseLong(text.substring(slash + 1), 16);
      if (high > 0xFFFF_FFFFL || low > 0xFFFF_FFFFL || high < 0 || low < 0) {
        throw new NumberFormatException("half out of range");
      }
      return new Lsn(high << 32 | low);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("invalid LSN '" + text + "': expected X/Y in hexadecimal");
    }
  }

  /** True unless this is {@link #INVALID}. */
  public boolean isValid() {
    return value != 0;
  }

  /** The later of the two positions. */
  public Lsn max(Lsn other) {
    return compareTo(other) >= 0 ? this : other;
  }

  @Override
  public int compareTo(Lsn other) {
    return Long.compareUnsigned(value, other.value);
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "%X/%X", value >>> 32, value & 0xFFFF_FFFFL);
  }
}
