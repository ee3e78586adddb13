package dev.outpost.proxy.config;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The optional change feed (DESIGN §8): {@code change-feed}, {@code change-feed-when-unsupported}
 * and {@code change-feed-slot}.
 *
 * <p>Guarantees: a configured slot name is one Postgres accepts (lower-case letters, digits and
 * '_', at most 63 characters); {@link #slotName(String)} always returns such a name.
 *
 * @param enabled true to consume the origin's logical replication stream
 * @param whenUnsupported what to do when the origin cannot provide one ({@code wal_level} is not logical)
 * @param slot the replication slot, or null for {@code outpost_<region>}
 */
public record ChangeFeedSettings(boolean enabled, WhenUnsupported whenUnsupported, String slot) {

  private static final Pattern SLOT = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  /** Off, {@code error}, default slot. */
  public static final ChangeFeedSettings OFF = new ChangeFeedSettings(false, WhenUnsupported.ERROR, null);

  /** What the node does when the change feed is on but the origin cannot provide it. */
  public enum WhenUnsupported {
    /** Refuse to start (the operator asked for a guarantee the origin cannot give). */
    ERROR,
    /** Log a warning and run without the feed (invalidation by writes through Outpost and TTL only). */
    WARN;

    /** Reads {@code error} or {@code warn} (any case). */
    public static WhenUnsupported parse(String text) {
      try {
        return valueOf(text.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException | NullPointerException e) {
        throw new IllegalArgumentException("invalid change-feed-when-unsupported '" + text
            + "': allowed are error, warn");
      }
    }

    /** The spelling used in the config file. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Checks the slot name. */
  public ChangeFeedSettings {
    Objects.requireNonNull(whenUnsupported, "change-feed-when-unsupported");
    if (slot != null && !SLOT.matcher(slot).matches()) {
      throw new ConfigException(Problems.bad("change-feed-slot", slot, "is not a replication slot name",
          "1-63 lower-case letters, digits or '_', not starting with a digit"));
    }
  }

  /** True when {@code text} is a replication slot name Postgres accepts. */
  static boolean validSlot(String text) {
    return text != null && SLOT.matcher(text).matches();
  }

  /**
   * The slot to use: the configured one, or {@code outpost_<region>} with the region's '-' turned
   * into '_' (slot names allow no '-'), or {@code outpost} for a node without a region.
   */
  public String slotName(String region) {
    if (slot != null) {
      return slot;
    }
    return region == null ? "outpost" : "outpost_" + region.replace('-', '_');
  }
}
