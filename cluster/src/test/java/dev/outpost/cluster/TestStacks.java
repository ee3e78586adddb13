package dev.outpost.cluster;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.jgroups.protocols.DISCARD;
import org.jgroups.protocols.FD_ALL3;
import org.jgroups.protocols.FD_SOCK2;
import org.jgroups.protocols.FRAG4;
import org.jgroups.protocols.MERGE3;
import org.jgroups.protocols.SHARED_LOOPBACK;
import org.jgroups.protocols.SHARED_LOOPBACK_PING;
import org.jgroups.protocols.TCP;
import org.jgroups.protocols.TCPPING;
import org.jgroups.protocols.UFC;
import org.jgroups.protocols.UNICAST3;
import org.jgroups.protocols.VERIFY_SUSPECT2;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.NAKACK2;
import org.jgroups.protocols.pbcast.STABLE;
import org.jgroups.stack.Protocol;

/**
 * Stacks built in code for tests, tuned for loopback: failure detection, merges and joins in
 * hundreds of milliseconds instead of the production files' seconds.
 *
 * <ul>
 *   <li>{@link #sharedLoopback()}: JGroups' in-JVM SHARED_LOOPBACK transport, for tests where the
 *       transport is not under test; a DISCARD sits above it so tests can partition members.
 *   <li>{@link #loopbackTcp()}: real TCP on 127.0.0.1, each node on its {@code cluster.bind} port,
 *       with TCPPING over {@code cluster.peers} (and the relay equivalents for the bridge).
 * </ul>
 */
final class TestStacks implements StackFactory {

  private final boolean tcp;

  private TestStacks(boolean tcp) {
    this.tcp = tcp;
  }

  static TestStacks sharedLoopback() {
    return new TestStacks(false);
  }

  static TestStacks loopbackTcp() {
    return new TestStacks(true);
  }

  /** Fast retries so that tests see them within their deadlines. */
  static final BusTuning FAST = new BusTuning(
      java.time.Duration.ofMillis(300), java.time.Duration.ofSeconds(10), 4096, java.time.Duration.ofSeconds(30),
      10_000, 64L << 20, 64L << 20, java.time.Duration.ofMillis(50));

  @Override
  public List<Protocol> region(ClusterConfig config) throws Exception {
    return tcp ? tcpStack(config.bind(), config.peers()) : loopbackStack();
  }

  @Override
  public List<Protocol> bridge(ClusterConfig config) throws Exception {
    return tcp ? tcpStack(config.relayBind(), config.relayPeers()) : loopbackStack();
  }

  private static List<Protocol> loopbackStack() {
    List<Protocol> p = new ArrayList<>();
    p.add(new SHARED_LOOPBACK());
    p.add(new DISCARD());
    p.add(new SHARED_LOOPBACK_PING());
    p.addAll(upper(false));
    return p;
  }

  private static List<Protocol> tcpStack(HostPort bind, List<HostPort> peers) throws Exception {
    List<Protocol> p = new ArrayList<>();
    TCP transport = new TCP();
    transport.setBindAddress(InetAddress.getByName(bind.host()));
    transport.setBindPort(bind.port());
    transport.setPortRange(0);
    p.add(transport);
    List<InetSocketAddress> hosts = new ArrayList<>();
    hosts.add(new InetSocketAddress(bind.host(), bind.port()));
    for (HostPort peer : peers) {
      hosts.add(new InetSocketAddress(peer.host(), peer.port()));
    }
    TCPPING ping = new TCPPING();
    ping.setInitialHosts(hosts);
    ping.setPortRange(0);
    p.add(ping);
    p.addAll(upper(true));
    return p;
  }

  private static List<Protocol> upper(boolean tcp) {
    List<Protocol> p = new ArrayList<>();
    p.add(new MERGE3().setMinInterval(300).setMaxInterval(1000).setCheckInterval(1500));
    if (tcp) {
      p.add(new FD_SOCK2());
    }
    p.add(new FD_ALL3().setTimeout(1500).setInterval(300));
    p.add(new VERIFY_SUSPECT2().setTimeout(300));
    p.add(new NAKACK2().useMcastXmit(false));
    p.add(new UNICAST3());
    p.add(new STABLE().setDesiredAverageGossip(5000).setMaxBytes(4L << 20));
    p.add(new GMS().setJoinTimeout(1000).setViewAckCollectionTimeout(1000).setMergeTimeout(3000)
        .setLeaveTimeout(1000).printLocalAddress(false));
    p.add(new UFC());
    p.add(new FRAG4().setFragSize(60_000));
    return p;
  }
}
