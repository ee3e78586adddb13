package dev.outpost.proxy.catalog;

/** Function volatility as {@code pg_proc.provolatile} says, ordered from safest to least safe. */
public enum Volatility {
  IMMUTABLE,
  STABLE,
  VOLATILE;

  static Volatility of(String provolatile) {
    switch (provolatile) {
      case "i":
        return IMMUTABLE;
      case "s":
        return STABLE;
      default:
        return VOLATILE;
    }
  }

  public Volatility max(Volatility other) {
    return compareTo(other) >= 0 ? this : other;
  }
}
