package dev.outpost.cluster;

import dev.outpost.cache.CacheBus;
import dev.outpost.cache.Ticker;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jgroups.Address;
import org.jgroups.JChannel;
import org.jgroups.protocols.relay.RELAY3;
import org.jgroups.protocols.relay.RouteStatusListener;
import org.jgroups.protocols.relay.config.RelayConfig;
import org.jgroups.stack.Protocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Outpost node's membership in its region (DESIGN §1, §7): a JGroups channel in cluster
 * {@code outpost-<region>}, the region's {@link #cacheBus() cache bus}, membership callbacks for the
 * connection budget (§5.6), the coordinator role, and — with {@code cluster.relay-bind} — the
 * bridge that carries invalidations to and from other regions (RELAY3; the region's coordinator
 * is its site master).
 *
 * <p>Use: {@link #start} it, build the cache with {@code .nodeId(node.nodeName()).bus(node.cacheBus())},
 * register a {@link ClusterListener}, and {@link #close} it at shutdown. No JGroups type appears in
 * this API. Thread-safe.
 */
public final class ClusterNode implements AutoCloseable {

  /** The JGroups cluster that the regions' site masters form over the bridge stack. */
  static final String BRIDGE_CLUSTER = "outpost-relay";

  private static final Logger LOG = LoggerFactory.getLogger(ClusterNode.class);

  private final ClusterConfig config;
  private final JChannel channel;
  private final JGroupsCacheBus bus;
  private final RELAY3 relay;
  private final MembershipEvents events;
  private volatile RegionMembership membership;

  private ClusterNode(ClusterConfig config, StackFactory stacks, BusTuning tuning) throws Exception {
    this.config = config;
    List<Protocol> protocols = new ArrayList<>(stacks.region(config));
    this.bus = new JGroupsCacheBus(config.nodeName(), config.region(), config.relayEnabled(),
        config.maxFillSize(), Ticker.system(), tuning);
    this.relay = config.relayEnabled() ? relay(config, stacks, bus) : null;
    if (relay != null) {
      protocols.add(relay);
    }
    this.channel = new JChannel(protocols).name(config.nodeName());
    this.events = new MembershipEvents(config.nodeName());
    ChannelAdapter adapter = new ChannelAdapter(channel, bus, this::viewInstalled);
    channel.setReceiver(adapter);
    bus.start(adapter);
  }

  /**
   * Joins the region described by {@code config} using its stack files, and returns once this node
   * has its first view (alone, or with the peers it found).
   *
   * @throws ClusterException if the stack cannot be built or the channel cannot connect
   */
  public static ClusterNode start(ClusterConfig config) {
    return start(config, new XmlStackFactory(), BusTuning.DEFAULTS);
  }

  /** As {@link #start(ClusterConfig)} with stacks built in code and bus tuning; for tests. */
  static ClusterNode start(ClusterConfig config, StackFactory stacks, BusTuning tuning) {
    Objects.requireNonNull(config, "config");
    if (config.relayEnabled()) {
      checkRelayBindable(config);
    }
    ClusterNode node;
    try {
      node = new ClusterNode(config, stacks, tuning);
    } catch (IllegalArgumentException e) {
      throw new ClusterException(e.getMessage(), e);
    } catch (Exception e) {
      throw new ClusterException("could not build the cluster stack of node " + config.nodeName() + " (stack "
          + config.stack() + "): " + e.getMessage(), e);
    }
    try {
      node.channel.connect(config.clusterName());
    } catch (Exception e) {
      node.close();
      throw new ClusterException("node " + config.nodeName() + " could not join " + config.clusterName()
          + " bound to " + config.bind() + " (" + ClusterConfig.KEY_BIND + "): " + e.getMessage(), e);
    }
    LOG.info("node {} joined {} ({} member(s), coordinator {}){}", config.nodeName(), config.clusterName(),
        node.membership().size(), node.membership().coordinator(),
        config.relayEnabled() ? ", relaying via " + config.relayBind() : "");
    return node;
  }

  /**
   * Refuses to start with a relay port that cannot be bound, as the channel's connect refuses a
   * {@code cluster.bind} port in use. The bridge to the other regions is opened by whichever node
   * coordinates the region, when it becomes coordinator and in the background; if its port is
   * taken, JGroups logs an ERROR ("failed starting relayer") and starts it again only on a later
   * view change that makes this node coordinator (none came in 36 s of watching), and the region
   * stays cut off from the others' invalidations, and they from its, while the node is ready for
   * clients. Checked at start only: a port taken later, before this node becomes coordinator, still
   * leaves only that ERROR, and {@code SHOW CLUSTER} listing no reachable regions.
   */
  private static void checkRelayBindable(ClusterConfig config) {
    HostPort bind = config.relayBind();
    try (ServerSocket probe = new ServerSocket()) {
      probe.bind(new InetSocketAddress(bind.host(), bind.port()));
    } catch (IOException e) {
      throw new ClusterException("node " + config.nodeName() + " cannot open its bridge to other regions on "
          + bind + " (" + ClusterConfig.KEY_RELAY_BIND + "): " + e.getMessage()
          + "; another process holds the port, or the address is not this host's (each node needs a relay port"
          + " of its own)", e);
    }
  }

  private static RELAY3 relay(ClusterConfig config, StackFactory stacks, JGroupsCacheBus bus) {
    RELAY3 relay = new RELAY3();
    relay.site(config.region());
    relay.asyncRelayCreation(true); // opening the bridge must not hold up the view that made us site master
    RelayConfig.SiteConfig site = new RelayConfig.SiteConfig(config.region())
        .addBridge(new RelayConfig.BridgeConfig(BRIDGE_CLUSTER) {
          @Override
          public JChannel createChannel() throws Exception {
            return new JChannel(stacks.bridge(config)); // fresh protocols each time we become site master
          }
        });
    relay.addSite(config.region(), site);
    relay.setRouteStatusListener(new RouteStatusListener() {
      @Override
      public void sitesUp(String... sites) {
        LOG.info("node {}: regions reachable over the relay: {}", config.nodeName(), String.join(", ", sites));
        bus.onSitesUp(String.join(",", sites));
      }

      @Override
      public void sitesDown(String... sites) {
        LOG.warn("node {}: regions no longer reachable over the relay: {}; their invalidations cannot arrive"
            + " until they return", config.nodeName(), String.join(", ", sites));
      }
    });
    return relay;
  }

  private void viewInstalled(RegionView v) {
    RegionMembership m = new RegionMembership(config.region(), v.id(), v.names(), v.coordinator().name(),
        config.nodeName(), v.merge());
    membership = m;
    LOG.info("node {}: region {} view {}: {} member(s) {}{}", config.nodeName(), config.region(), v.id(),
        m.size(), m.members(), v.merge() ? " (merged partitions; caches flushed)" : "");
    events.viewChanged(m);
  }

  /** The region's cache bus: pass it to the cache builder (once). */
  public CacheBus cacheBus() {
    return bus;
  }

  /** This node's name (also the cache's node id). */
  public String nodeName() {
    return config.nodeName();
  }

  /** The region. */
  public String region() {
    return config.region();
  }

  /** The config the node was started with. */
  public ClusterConfig config() {
    return config;
  }

  /** The current membership of the region. */
  public RegionMembership membership() {
    return membership;
  }

  /** True if this node is its region's coordinator now. */
  public boolean isCoordinator() {
    RegionMembership m = membership;
    return m != null && m.isCoordinator();
  }

  /**
   * Registers a listener: it first receives the current membership (and {@link
   * ClusterListener#becameCoordinator} if this node coordinates), then every change. Closing the
   * returned handle removes it.
   */
  public AutoCloseable addListener(ClusterListener listener) {
    return events.add(Objects.requireNonNull(listener, "listener"));
  }

  /** The state and counters for {@code SHOW CLUSTER}. */
  public ClusterSnapshot snapshot() {
    RegionMembership m = membership;
    return new ClusterSnapshot(config.region(), config.nodeName(), config.clusterName(), m.viewId(), m.members(),
        m.coordinator(), m.isCoordinator(), SequenceSpace.format(bus.lastSequence()),
        bus.pendingInvalidations(), bus.earlyEvents(), bus.awaitedInvalidations(), relayStatus(), bus.stats());
  }

  private RelayStatus relayStatus() {
    if (relay == null) {
      return RelayStatus.DISABLED;
    }
    List<String> masters = new ArrayList<>();
    List<Address> sm = relay.siteMasters();
    if (sm != null) {
      sm.forEach(a -> masters.add(ChannelAdapter.memberName(a)));
    }
    List<String> reachable = new ArrayList<>();
    if (relay.isSiteMaster()) {
      List<String> current = relay.getCurrentSites();
      if (current != null) {
        current.stream().filter(s -> !s.equals(config.region())).sorted().forEach(reachable::add);
      }
    }
    return new RelayStatus(true, relay.isSiteMaster(), masters, reachable);
  }

  /** The bus; for tests in this package. */
  JGroupsCacheBus bus() {
    return bus;
  }

  /** The channel; for tests in this package (fault injection). */
  JChannel channel() {
    return channel;
  }

  /**
   * Leaves the region: sends what is still queued (up to a second), then leaves gracefully, so the
   * others install a view without this node at once (and, if it coordinated, start a new term).
   */
  @Override
  public void close() {
    bus.drain(java.time.Duration.ofSeconds(1));
    try {
      channel.close();
    } catch (RuntimeException e) {
      LOG.warn("node {}: closing the channel failed: {}", config.nodeName(), e.toString());
    }
    bus.close();
    events.close();
  }
}
