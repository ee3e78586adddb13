package dev.outpost.proxy.config;

import dev.outpost.cluster.ClusterConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where the node stands in its region and how it reaches the other nodes (DESIGN §7): the
 * {@code region}, {@code node-name}, {@code cluster-*} and {@code relay-*} keys. Without a region
 * the node runs alone ({@link #enabled()} is false) and the other fields keep their defaults.
 *
 * <p>Guarantees: with a region, the region and node name have the forms the cluster accepts;
 * relay peers come with a relay bind address on another port than the cluster's; the fill size
 * limit is within the cluster's bounds. {@link #toClusterConfig()} therefore never rejects a
 * constructed instance for these reasons.
 *
 * @param region the region (JGroups cluster {@code outpost-<region>}), or null for a single node
 * @param nodeName this node's name, unique across all regions (required with a region)
 * @param bind {@code cluster-bind}: the regional transport's address
 * @param peers {@code cluster-peers}: the region's nodes for static discovery
 * @param relayBind {@code relay-bind}: this node's bridge address, or null for a single region
 * @param relayAdvertise {@code relay-advertise}: where other regions reach this node's bridge, when
 *     not at relay-bind (NAT, port forwarding), or null
 * @param relayPeers {@code relay-peers}: the other regions' bridge addresses
 * @param maxFillSize {@code cluster-max-fill-size}: larger fills are not replicated
 * @param stack {@code cluster-stack}: a shipped stack's name ({@code tcp}) or a stack file path
 * @param relayStack {@code relay-stack}: a shipped stack's name ({@code relay-tcp}) or a file path
 */
public record ClusterSettings(String region, String nodeName, HostPort bind, List<HostPort> peers,
    HostPort relayBind, HostPort relayAdvertise, List<HostPort> relayPeers, long maxFillSize, String stack,
    String relayStack) {

  /** The forms {@link ClusterConfig} accepts. */
  static final Pattern REGION = Pattern.compile("[a-z0-9][a-z0-9_-]{0,31}");
  static final Pattern NODE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  /** Checks the guarantees of the class comment. */
  public ClusterSettings {
    Objects.requireNonNull(bind, "cluster-bind");
    Objects.requireNonNull(peers, "cluster-peers");
    Objects.requireNonNull(relayPeers, "relay-peers");
    Problems p = new Problems();
    p.check(region == null || REGION.matcher(region).matches(), () -> Problems.bad("region", region,
        "is not a region name", "1-32 lower-case letters, digits, '-' or '_', starting with a letter or digit"));
    p.check(region == null || nodeName != null, () -> "node-name: missing (required with region)");
    p.check(nodeName == null || NODE_NAME.matcher(nodeName).matches(), () -> Problems.bad("node-name", nodeName,
        "is not a node name", "1-64 letters, digits, '.', '-' or '_', starting with a letter or digit"));
    p.check(relayBind != null || relayPeers.isEmpty(),
        () -> "relay-peers: needs relay-bind (this node's own bridge address) as well");
    p.check(relayBind == null || !relayBind.equals(bind) || bind.port() == 0,
        () -> Problems.bad("relay-bind", String.valueOf(relayBind), "is the same as cluster-bind",
            "another port than cluster-bind"));
    p.check(relayAdvertise == null || relayBind != null,
        () -> "relay-advertise: needs relay-bind (where the bridge listens) as well");
    p.check(relayBind == null || !failureDetectorClash(bind, relayBind),
        () -> Problems.bad("relay-bind", String.valueOf(relayBind), "collides with cluster-bind " + bind
            + "'s failure detector, which listens on its port + " + ClusterConfig.FAILURE_DETECTOR_OFFSET + " (up to + "
            + (ClusterConfig.FAILURE_DETECTOR_OFFSET + ClusterConfig.FAILURE_DETECTOR_PORT_RANGE - 1) + "), and the"
            + " other way round", "ports not " + ClusterConfig.FAILURE_DETECTOR_OFFSET + " to "
            + (ClusterConfig.FAILURE_DETECTOR_OFFSET + ClusterConfig.FAILURE_DETECTOR_PORT_RANGE - 1)
            + " apart, e.g. " + bind.port() + " and " + (bind.port() + 50)));
    p.check(maxFillSize >= ClusterConfig.MIN_MAX_FILL_SIZE && maxFillSize <= ClusterConfig.MAX_MAX_FILL_SIZE,
        () -> "cluster-max-fill-size: " + ConfigValues.formatSize(maxFillSize)
            + " is out of range (allowed: 1KiB..64MiB)");
    p.check(stack != null && !stack.isBlank(), () -> "cluster-stack: missing (allowed: tcp or a stack file path)");
    p.check(relayStack != null && !relayStack.isBlank(),
        () -> "relay-stack: missing (allowed: relay-tcp or a stack file path)");
    p.throwIfAny();
    peers = List.copyOf(peers);
    relayPeers = List.copyOf(relayPeers);
  }

  private static boolean failureDetectorClash(HostPort a, HostPort b) {
    if (!a.host().equals(b.host()) || a.port() == 0 || b.port() == 0) {
      return false;
    }
    int apart = Math.abs(a.port() - b.port());
    return apart >= ClusterConfig.FAILURE_DETECTOR_OFFSET
        && apart < ClusterConfig.FAILURE_DETECTOR_OFFSET + ClusterConfig.FAILURE_DETECTOR_PORT_RANGE;
  }

  /** A single node: no region, the cluster's defaults for everything else. */
  public static ClusterSettings single() {
    return new ClusterSettings(null, null, new HostPort("127.0.0.1", 7800), List.of(), null, null, List.of(),
        ClusterConfig.DEFAULT_MAX_FILL_SIZE, "tcp", "relay-tcp");
  }

  /** True when the node joins a region. */
  public boolean enabled() {
    return region != null;
  }

  /** True when the node also bridges to other regions. */
  public boolean relayEnabled() {
    return relayBind != null;
  }

  /**
   * The cluster module's configuration for these settings.
   *
   * @throws IllegalStateException when no region is configured
   */
  public ClusterConfig toClusterConfig() {
    if (region == null) {
      throw new IllegalStateException("no region is configured: the node runs alone");
    }
    return ClusterConfig.builder(region, nodeName)
        .bind(convert(bind))
        .peers(convert(peers))
        .relayBind(relayBind == null ? null : convert(relayBind))
        .relayAdvertise(relayAdvertise == null ? null : convert(relayAdvertise))
        .relayPeers(convert(relayPeers))
        .maxFillSize(maxFillSize)
        .stack(dev.outpost.cluster.StackSelection.parse("cluster-stack", stack))
        .relayStack(dev.outpost.cluster.StackSelection.parse("relay-stack", relayStack))
        .build();
  }

  private static dev.outpost.cluster.HostPort convert(HostPort a) {
    return new dev.outpost.cluster.HostPort(a.host(), a.port());
  }

  private static List<dev.outpost.cluster.HostPort> convert(List<HostPort> list) {
    List<dev.outpost.cluster.HostPort> out = new ArrayList<>();
    list.forEach(a -> out.add(convert(a)));
    return out;
  }

  /** A builder starting from these settings. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.region = region;
    b.nodeName = nodeName;
    b.bind = bind;
    b.peers = peers;
    b.relayBind = relayBind;
    b.relayAdvertise = relayAdvertise;
    b.relayPeers = relayPeers;
    b.maxFillSize = maxFillSize;
    b.stack = stack;
    b.relayStack = relayStack;
    return b;
  }

  /** A builder starting from {@link #single()}. */
  public static Builder builder() {
    return single().toBuilder();
  }

  /** Mutable builder; {@link #build()} validates. */
  public static final class Builder {
    private String region;
    private String nodeName;
    private HostPort bind;
    private List<HostPort> peers;
    private HostPort relayBind;
    private HostPort relayAdvertise;
    private List<HostPort> relayPeers;
    private long maxFillSize;
    private String stack;
    private String relayStack;

    private Builder() {}

    public Builder region(String v) { region = v; return this; }
    public Builder nodeName(String v) { nodeName = v; return this; }
    public Builder bind(HostPort v) { bind = v; return this; }
    public Builder peers(List<HostPort> v) { peers = v; return this; }
    public Builder relayBind(HostPort v) { relayBind = v; return this; }
    public Builder relayAdvertise(HostPort v) { relayAdvertise = v; return this; }
    public Builder relayPeers(List<HostPort> v) { relayPeers = v; return this; }
    public Builder maxFillSize(long v) { maxFillSize = v; return this; }
    public Builder stack(String v) { stack = v; return this; }
    public Builder relayStack(String v) { relayStack = v; return this; }

    public ClusterSettings build() {
      return new ClusterSettings(region, nodeName, bind, peers, relayBind, relayAdvertise, relayPeers, maxFillSize,
          stack, relayStack);
    }
  }
}
