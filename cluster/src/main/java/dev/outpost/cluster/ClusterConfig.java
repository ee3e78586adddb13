package dev.outpost.cluster;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Everything a node needs to join its region and, optionally, bridge to other regions (DESIGN §7).
 * The CLI flags {@code --region}, {@code --node-name}, {@code --cluster-bind},
 * {@code --cluster-peers}, {@code --relay-bind} and {@code --relay-peers} map to the keys named by
 * the {@code KEY_*} constants.
 *
 * <p>Guarantees: a constructed config is valid; every rejection names the key, the value and what
 * is allowed. The JGroups cluster is {@code outpost-<region>}; the node's logical name is {@code
 * nodeName}, which must be unique across all regions (it identifies a node's own invalidations when
 * they come back) and must also be the cache's node id.
 *
 * @param region the region (JGroups cluster {@code outpost-<region>}, RELAY site name)
 * @param nodeName this node's name, unique across all regions
 * @param bind the regional transport's address and port
 * @param peers the regional peers for static discovery (this node may be among them)
 * @param relayBind the bridge transport's address and port, or null for a single-region setup
 * @param relayAdvertise the address other regions reach this node's bridge at, when it is not
 *     {@code relayBind} (NAT, port forwarding); null: {@code relayBind}
 * @param relayPeers the other regions' bridge addresses (only with {@code relayBind})
 * @param maxFillSize fills whose encoding is larger than this stay on the node that made them
 * @param stack the regional stack file
 * @param relayStack the bridge stack file
 */
public record ClusterConfig(
    String region,
    String nodeName,
    HostPort bind,
    List<HostPort> peers,
    HostPort relayBind,
    HostPort relayAdvertise,
    List<HostPort> relayPeers,
    long maxFillSize,
    StackSelection stack,
    StackSelection relayStack) {

  /** Config key of {@link #region}. */
  public static final String KEY_REGION = "cluster.region";
  /** Config key of {@link #nodeName}. */
  public static final String KEY_NODE_NAME = "cluster.node-name";
  /** Config key of {@link #bind}. */
  public static final String KEY_BIND = "cluster.bind";
  /** Config key of {@link #peers}. */
  public static final String KEY_PEERS = "cluster.peers";
  /** Config key of {@link #relayBind}. */
  public static final String KEY_RELAY_BIND = "cluster.relay-bind";
  /** Config key of {@link #relayAdvertise}. */
  public static final String KEY_RELAY_ADVERTISE = "cluster.relay-advertise";
  /** Config key of {@link #relayPeers}. */
  public static final String KEY_RELAY_PEERS = "cluster.relay-peers";
  /** Config key of {@link #maxFillSize}. */
  public static final String KEY_MAX_FILL_SIZE = "cluster.max-fill-size";
  /** Config key of {@link #stack}. */
  public static final String KEY_STACK = "cluster.stack";
  /** Config key of {@link #relayStack}. */
  public static final String KEY_RELAY_STACK = "cluster.relay-stack";

  /** DESIGN §7: 1 MiB. */
  public static final long DEFAULT_MAX_FILL_SIZE = 1L << 20;
  /** The smallest {@code cluster.max-fill-size}: below this nearly nothing would replicate. */
  public static final long MIN_MAX_FILL_SIZE = 1L << 10;
  /** The largest {@code cluster.max-fill-size}: bigger fills cost more to ship than to refetch. */
  public static final long MAX_MAX_FILL_SIZE = 64L << 20;

  private static final Pattern REGION = Pattern.compile("[a-z0-9][a-z0-9_-]{0,31}");
  private static final Pattern NODE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final int MAX_PEERS = 256;
  /**
   * The failure detector (FD_SOCK2) of each stack listens on its transport's port plus this, or on
   * one of the next {@link #FAILURE_DETECTOR_PORT_RANGE} - 1 ports when that one is taken.
   */
  public static final int FAILURE_DETECTOR_OFFSET = 100;
  /** How many ports from the offset the failure detector tries. */
  public static final int FAILURE_DETECTOR_PORT_RANGE = 5;

  /** Validates every field; see the class comment. */
  public ClusterConfig {
    require(region != null && REGION.matcher(region).matches(), KEY_REGION, region,
        "use 1-32 lower-case letters, digits, '-' or '_', starting with a letter or digit");
    require(nodeName != null && NODE_NAME.matcher(nodeName).matches(), KEY_NODE_NAME, nodeName,
        "use 1-64 letters, digits, '.', '-' or '_', starting with a letter or digit");
    require(bind != null, KEY_BIND, null, "give host:port, e.g. 10.0.0.5:7800");
    peers = peers(KEY_PEERS, peers);
    relayPeers = peers(KEY_RELAY_PEERS, relayPeers);
    require(relayBind != null || relayPeers.isEmpty(), KEY_RELAY_PEERS, relayPeers.toString(),
        "relay peers need " + KEY_RELAY_BIND + " (this node's own bridge address) as well");
    require(relayBind == null || !relayBind.equals(bind) || bind.port() == 0, KEY_RELAY_BIND,
        String.valueOf(relayBind), "the bridge needs another port than " + KEY_BIND + " " + bind);
    require(relayBind == null || !failureDetectorClash(bind, relayBind), KEY_RELAY_BIND, String.valueOf(relayBind),
        "each transport's failure detector listens on its port + " + FAILURE_DETECTOR_OFFSET + " (up to + "
            + (FAILURE_DETECTOR_OFFSET + FAILURE_DETECTOR_PORT_RANGE - 1) + "), so " + KEY_BIND + " " + bind
            + " and the bridge would collide: pick ports that do not lie " + FAILURE_DETECTOR_OFFSET + " to "
            + (FAILURE_DETECTOR_OFFSET + FAILURE_DETECTOR_PORT_RANGE - 1) + " apart, e.g. " + bind.port() + " and "
            + (bind.port() + 50));
    require(relayAdvertise == null || relayBind != null, KEY_RELAY_ADVERTISE, String.valueOf(relayAdvertise),
        "an advertised bridge address needs " + KEY_RELAY_BIND + " as well");
    require(maxFillSize >= MIN_MAX_FILL_SIZE && maxFillSize <= MAX_MAX_FILL_SIZE, KEY_MAX_FILL_SIZE,
        String.valueOf(maxFillSize), "use " + MIN_MAX_FILL_SIZE + " to " + MAX_MAX_FILL_SIZE + " bytes (1KiB-64MiB)");
    require(stack != null, KEY_STACK, null, "name a shipped stack (tcp) or a stack file path");
    require(relayStack != null, KEY_RELAY_STACK, null, "name a shipped stack (relay-tcp) or a stack file path");
  }

  private static boolean failureDetectorClash(HostPort a, HostPort b) {
    return a.host().equals(b.host()) && a.port() != 0 && b.port() != 0 && failureDetectorsClash(a.port(), b.port());
  }

  /**
   * Whether two transports on one host with these ports would have one's failure detector on the
   * other's port (they lie {@link #FAILURE_DETECTOR_OFFSET} to {@link #FAILURE_DETECTOR_OFFSET} +
   * {@link #FAILURE_DETECTOR_PORT_RANGE} - 1 apart).
   */
  public static boolean failureDetectorsClash(int portA, int portB) {
    int apart = Math.abs(portA - portB);
    return apart >= FAILURE_DETECTOR_OFFSET && apart < FAILURE_DETECTOR_OFFSET + FAILURE_DETECTOR_PORT_RANGE;
  }

  /** A builder for {@code region} and {@code nodeName} with the defaults of the other keys. */
  public static Builder builder(String region, String nodeName) {
    return new Builder(region, nodeName);
  }

  /** The JGroups cluster this node joins: {@code outpost-<region>}. */
  public String clusterName() {
    return "outpost-" + region;
  }

  /** True when this node bridges to other regions (a relay address is configured). */
  public boolean relayEnabled() {
    return relayBind != null;
  }

  private static List<HostPort> peers(String key, List<HostPort> list) {
    require(list != null, key, null, "give a list of host:port (possibly empty)");
    require(list.size() <= MAX_PEERS, key, list.size() + " entries", "list at most " + MAX_PEERS + " peers");
    for (HostPort p : list) {
      require(p != null, key, list.toString(), "no null entries");
    }
    return List.copyOf(list);
  }

  private static void require(boolean ok, String key, String value, String allowed) {
    if (!ok) {
      throw new IllegalArgumentException(key + (value == null ? " is missing" : " \"" + value + "\" is invalid")
          + ": " + allowed);
    }
  }

  /** Builds a {@link ClusterConfig} from typed values or from the strings operators write. */
  public static final class Builder {
    private final String region;
    private final String nodeName;
    private HostPort bind = new HostPort("127.0.0.1", 7800);
    private List<HostPort> peers = List.of();
    private HostPort relayBind;
    private HostPort relayAdvertise;
    private List<HostPort> relayPeers = List.of();
    private long maxFillSize = DEFAULT_MAX_FILL_SIZE;
    private StackSelection stack = StackSelection.TCP;
    private StackSelection relayStack = StackSelection.RELAY_TCP;

    private Builder(String region, String nodeName) {
      this.region = region;
      this.nodeName = nodeName;
    }

    /** {@code cluster.bind} (default 127.0.0.1:7800). */
    public Builder bind(HostPort address) {
      this.bind = Objects.requireNonNull(address, KEY_BIND);
      return this;
    }

    /** {@code cluster.bind} as written: {@code host:port}. */
    public Builder bind(String text) {
      return bind(HostPort.parse(KEY_BIND, text));
    }

    /** {@code cluster.peers}. */
    public Builder peers(List<HostPort> list) {
      this.peers = list;
      return this;
    }

    /** {@code cluster.peers} as written: {@code host:port,host:port}. */
    public Builder peers(String text) {
      return peers(HostPort.parseList(KEY_PEERS, text));
    }

    /** {@code cluster.relay-bind}; null turns relaying off. */
    public Builder relayBind(HostPort address) {
      this.relayBind = address;
      return this;
    }

    /** {@code cluster.relay-bind} as written; null or blank turns relaying off. */
    public Builder relayBind(String text) {
      return relayBind(text == null || text.isBlank() ? null : HostPort.parse(KEY_RELAY_BIND, text));
    }

    /** {@code cluster.relay-advertise}; null: other regions reach the bridge at relay-bind. */
    public Builder relayAdvertise(HostPort address) {
      this.relayAdvertise = address;
      return this;
    }

    /** {@code cluster.relay-advertise} as written; null or blank: relay-bind. */
    public Builder relayAdvertise(String text) {
      return relayAdvertise(text == null || text.isBlank() ? null : HostPort.parse(KEY_RELAY_ADVERTISE, text));
    }

    /** {@code cluster.relay-peers}. */
    public Builder relayPeers(List<HostPort> list) {
      this.relayPeers = list;
      return this;
    }

    /** {@code cluster.relay-peers} as written. */
    public Builder relayPeers(String text) {
      return relayPeers(HostPort.parseList(KEY_RELAY_PEERS, text));
    }

    /** {@code cluster.max-fill-size} in bytes. */
    public Builder maxFillSize(long bytes) {
      this.maxFillSize = bytes;
      return this;
    }

    /** {@code cluster.stack}. */
    public Builder stack(StackSelection selection) {
      this.stack = selection;
      return this;
    }

    /** {@code cluster.stack} as written: a shipped stack's name or a file path. */
    public Builder stack(String text) {
      return stack(StackSelection.parse(KEY_STACK, text));
    }

    /** {@code cluster.relay-stack}. */
    public Builder relayStack(StackSelection selection) {
      this.relayStack = selection;
      return this;
    }

    /** {@code cluster.relay-stack} as written. */
    public Builder relayStack(String text) {
      return relayStack(StackSelection.parse(KEY_RELAY_STACK, text));
    }

    /** The validated config. */
    public ClusterConfig build() {
      return new ClusterConfig(region, nodeName, bind, peers, relayBind, relayAdvertise, relayPeers, maxFillSize, stack,
          relayStack);
    }
  }
}
