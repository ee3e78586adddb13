package dev.outpost.cache.sql;

/**
 * The row-locking clause of a SELECT ({@code FOR UPDATE} and friends). A statement with one takes
 * row locks at the origin, so it is never served from the cache. Declared weakest first.
 */
public enum LockingStrength {
  /** {@code FOR KEY SHARE} */
  KEY_SHARE,
  /** {@code FOR SHARE} */
  SHARE,
  /** {@code FOR NO KEY UPDATE} */
  NO_KEY_UPDATE,
  /** {@code FOR UPDATE} */
  UPDATE;

  /** The stronger of two strengths. */
  public LockingStrength max(LockingStrength other) {
    return other != null && other.ordinal() > ordinal() ? other : this;
  }
}
