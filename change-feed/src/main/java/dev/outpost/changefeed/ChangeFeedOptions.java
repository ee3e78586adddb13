package dev.outpost.changefeed;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Tuning of one change feed. {@link #defaults(String)} suits production; tests shorten the
 * back-off.
 *
 * <p>Guarantees: the slot and publication names are ones Postgres accepts unquoted (so they can
 * be placed in replication commands and in pgoutput's {@code publication_names} verbatim), and
 * every duration is positive.
 *
 * @param slotName the logical replication slot, one per region (e.g. {@code outpost_eu})
 * @param publication the publication to stream ({@code outpost}); FOR ALL TABLES
 * @param createPublication create the publication when it is missing and the role may
 * @param reconnectInitialDelay first pause after a failed or lost connection
 * @param reconnectMaxDelay cap of the exponential back-off between attempts
 * @param connectTimeout TCP connect and authentication timeout
 * @param setupTimeout how long a set-up statement may take (creating a slot waits for the
 *     transactions open on the origin to finish)
 * @param statusInterval how often the origin hears the confirmed position even when idle
 * @param pollInterval pause between reads of an idle stream (bounds the added latency)
 * @param lagPollInterval how often {@code pg_replication_slots} is read for the lag in bytes
 * @param maxUnconfirmedCommits stop reading while this many delivered commits await their sink
 * @param stopTimeout how long {@link ChangeFeed#stop()} waits for a clean close before it cuts
 *     the connection
 */
public record ChangeFeedOptions(String slotName, String publication, boolean createPublication,
    Duration reconnectInitialDelay, Duration reconnectMaxDelay, Duration connectTimeout, Duration setupTimeout,
    Duration statusInterval, Duration pollInterval, Duration lagPollInterval, int maxUnconfirmedCommits,
    Duration stopTimeout) {

  private static final Pattern NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  /** The publication DESIGN §8 names. */
  public static final String DEFAULT_PUBLICATION = "outpost";

  /** Validates names and durations. */
  public ChangeFeedOptions {
    requireName("slot", slotName);
    requireName("publication", publication);
    for (Duration d : new Duration[] {reconnectInitialDelay, reconnectMaxDelay, connectTimeout, setupTimeout,
        statusInterval, pollInterval, lagPollInterval, stopTimeout}) {
      Objects.requireNonNull(d, "duration");
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("change feed durations must be positive: " + d);
      }
    }
    if (reconnectMaxDelay.compareTo(reconnectInitialDelay) < 0) {
      throw new IllegalArgumentException("reconnectMaxDelay " + reconnectMaxDelay + " is below reconnectInitialDelay "
          + reconnectInitialDelay);
    }
    if (maxUnconfirmedCommits < 1) {
      throw new IllegalArgumentException("maxUnconfirmedCommits must be at least 1");
    }
  }

  private static void requireName(String what, String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("invalid " + what + " name '" + name
          + "': 1-63 lower-case letters, digits or '_', not starting with a digit");
    }
  }

  /** Production defaults for {@code slotName}. */
  public static ChangeFeedOptions defaults(String slotName) {
    return new ChangeFeedOptions(slotName, DEFAULT_PUBLICATION, true, Duration.ofMillis(200), Duration.ofSeconds(10),
        Duration.ofSeconds(10), Duration.ofMinutes(2), Duration.ofSeconds(1), Duration.ofMillis(5),
        Duration.ofSeconds(1), 10_000, Duration.ofSeconds(10));
  }

  /** The same options with another reconnect back-off. */
  public ChangeFeedOptions withReconnect(Duration initial, Duration max) {
    return new ChangeFeedOptions(slotName, publication, createPublication, initial, max, connectTimeout, setupTimeout,
        statusInterval, pollInterval, lagPollInterval, maxUnconfirmedCommits, stopTimeout);
  }

  /** The same options with another publication, created on start only if {@code create}. */
  public ChangeFeedOptions withPublication(String name, boolean create) {
    return new ChangeFeedOptions(slotName, name, create, reconnectInitialDelay, reconnectMaxDelay, connectTimeout,
        setupTimeout, statusInterval, pollInterval, lagPollInterval, maxUnconfirmedCommits, stopTimeout);
  }

  /** The same options with another bound on commits awaiting their sink. */
  public ChangeFeedOptions withMaxUnconfirmedCommits(int max) {
    return new ChangeFeedOptions(slotName, publication, createPublication, reconnectInitialDelay, reconnectMaxDelay,
        connectTimeout, setupTimeout, statusInterval, pollInterval, lagPollInterval, max, stopTimeout);
  }

  /** True when {@code name} is a slot name this feed accepts. */
  public static boolean validSlotName(String name) {
    return name != null && NAME.matcher(name).matches();
  }
}
