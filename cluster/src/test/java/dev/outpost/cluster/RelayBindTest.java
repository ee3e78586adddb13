package dev.outpost.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A relay port that another process holds stops the node at start, as a cluster port in use does.
 * JGroups opens the bridge later, in the background, and when it cannot bind it logs an ERROR and
 * does not try again until another view change: the node would have served clients with its
 * region cut off from the others.
 */
class RelayBindTest {

  @Test
  void aRelayPortInUse_failsTheStart_namingTheKeyAndThePort() throws Exception {
    HostPort bind = FreePorts.loopback(1).get(0);
    try (ServerSocket held = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      HostPort relay = new HostPort("127.0.0.1", held.getLocalPort());
      ClusterConfig config = ClusterConfig.builder("eu", "eu-1").bind(bind).peers(List.of(bind))
          .relayBind(relay).relayPeers(List.of(relay)).build();
      assertThatThrownBy(() -> ClusterNode.start(config, new XmlStackFactory(), TestStacks.FAST))
          .isInstanceOf(ClusterException.class)
          .hasMessageContaining("eu-1 cannot open its bridge to other regions on " + relay + " (cluster.relay-bind)")
          .hasMessageContaining("another process holds the port");
    }
    // the node never joined: its cluster port is free again
    try (ServerSocket again = new ServerSocket(bind.port(), 1, InetAddress.getLoopbackAddress())) {
      assertThat(again.getLocalPort()).isEqualTo(bind.port());
    }
  }
}
