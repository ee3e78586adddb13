package dev.outpost.bench.soak;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a soak run goes.
 *
 * @param duration how long the clients run while faults are injected
 * @param clients concurrent client connections (pgjdbc), in all three query modes
 * @param nodes Outpost nodes; more than one form a region (JGroups on loopback) and the clients are
 *     spread over them ({@code i % nodes})
 * @param regions regions the nodes are split into (node {@code i} in region {@code i % regions}),
 *     bridged by JGroups RELAY on loopback: invalidations cross, fills do not
 * @param directWriters clients that write straight to the origin, bypassing Outpost; more than zero
 *     turns on the nodes' change feed ({@code --change-feed on}, the origin with {@code wal_level =
 *     logical}), through which alone the nodes learn of those writes
 * @param changeFeedBound through any node, a read must show every commit made straight to the origin
 *     at least this long before it began
 * @param propagationBound through another node of the region, a read must show every commit
 *     acknowledged at least this long before it began (the invalidation's propagation, DESIGN §6.6)
 * @param poolSize {@code --pool-size} of the node
 * @param poolMode {@code transaction} or {@code session}
 * @param cache whether the node caches ({@code --cache on})
 * @param terminateEvery mean time between two {@code pg_terminate_backend} of a random backend of the
 *     application role (each wait is drawn from 0.4–1.6 times it); zero: none
 * @param restartEvery time between two restarts of the origin (fast shutdown); zero: none
 * @param nodeRestartEvery time between two restarts of a node, the nodes in turn (SIGTERM, down for
 *     {@code downFor}, started again on the same port and peers, as a rolling deploy); zero: none
 * @param downFor how long the origin, or a node, stays down at each restart
 * @param operationBound an operation that takes longer counts as hung: on loopback every operation,
 *     failed or not, ends within a second or two (measured: slowest 1.2–1.5 s over 50 s soaks with
 *     restarts), while one left waiting for an orphaned single-flight leader waited out the node's
 *     15 s acquire timeout
 * @param wanDelay one-way delay of an emulated WAN between the node and the origin; zero: none
 * @param seed the clients' random choices
 * @param outpostJar the jar the node is started from
 * @param outpostJvmOptions JVM options of the node
 * @param outpostFlags more flags of {@code outpost serve}, after the soak's own
 * @param out where the report and the logs go
 */
public record SoakSettings(Duration duration, int clients, int nodes, int regions, int directWriters,
    Duration changeFeedBound, Duration propagationBound, int poolSize, String poolMode, boolean cache,
    Duration terminateEvery, Duration restartEvery, Duration nodeRestartEvery, Duration downFor,
    Duration operationBound, Duration wanDelay, long seed, Path outpostJar, List<String> outpostJvmOptions, List<String> outpostFlags, Path out) {

  /** The longest soak the command accepts: every load loop is bounded. */
  public static final Duration MAX_DURATION = Duration.ofHours(24);

  public SoakSettings {
    Objects.requireNonNull(outpostJar, "outpostJar");
    Objects.requireNonNull(out, "out");
    outpostJvmOptions = List.copyOf(outpostJvmOptions);
    outpostFlags = List.copyOf(outpostFlags);
    if (duration.compareTo(Duration.ofSeconds(1)) < 0 || duration.compareTo(MAX_DURATION) > 0) {
      throw new IllegalArgumentException("--duration must be between 1s and 24h, not " + duration);
    }
    if (clients < 1 || clients > 500) {
      throw new IllegalArgumentException("--clients must be between 1 and 500, not " + clients);
    }
    if (nodes < 1 || nodes > 6) {
      throw new IllegalArgumentException("--nodes must be between 1 and 6, not " + nodes);
    }
    if (regions < 1 || regions > nodes || regions > 3) {
      throw new IllegalArgumentException("--regions must be between 1 and 3 and at most --nodes (" + nodes + "), not "
          + regions);
    }
    if (directWriters < 0 || directWriters > 50) {
      throw new IllegalArgumentException("--direct-writers must be between 0 and 50, not " + directWriters);
    }
    if (changeFeedBound.isNegative() || changeFeedBound.compareTo(Duration.ofMinutes(5)) > 0) {
      throw new IllegalArgumentException("--change-feed-bound must be between 0 and 5m, not " + changeFeedBound);
    }
    if (propagationBound.isNegative() || propagationBound.compareTo(Duration.ofMinutes(1)) > 0) {
      throw new IllegalArgumentException("--propagation-bound must be between 0 and 1m, not " + propagationBound);
    }
    if (poolSize < 1) {
      throw new IllegalArgumentException("--pool-size must be positive, not " + poolSize);
    }
    if (!poolMode.equals("transaction") && !poolMode.equals("session")) {
      throw new IllegalArgumentException("--pool-mode must be transaction or session, not " + poolMode);
    }
    if (terminateEvery.isNegative() || (!terminateEvery.isZero() && terminateEvery.toMillis() < 10)) {
      throw new IllegalArgumentException("--terminate-every must be 0 (none) or at least 10ms, not " + terminateEvery);
    }
    if (restartEvery.isNegative() || (!restartEvery.isZero() && restartEvery.compareTo(Duration.ofSeconds(1)) < 0)) {
      throw new IllegalArgumentException("--restart-every must be 0 (none) or at least 1s, not " + restartEvery);
    }
    if (nodeRestartEvery.isNegative()
        || (!nodeRestartEvery.isZero() && nodeRestartEvery.compareTo(Duration.ofSeconds(2)) < 0)) {
      throw new IllegalArgumentException("--node-restart-every must be 0 (none) or at least 2s, not " + nodeRestartEvery);
    }
    if (downFor.isNegative() || downFor.compareTo(Duration.ofMinutes(5)) > 0) {
      throw new IllegalArgumentException("--down-for must be between 0 and 5m, not " + downFor);
    }
    if (wanDelay.isNegative() || wanDelay.compareTo(Duration.ofSeconds(1)) > 0) {
      throw new IllegalArgumentException("--wan-delay must be between 0 and 1s, not " + wanDelay);
    }
    if (operationBound.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("--operation-bound must be at least 1s, not " + operationBound);
    }
  }
}
