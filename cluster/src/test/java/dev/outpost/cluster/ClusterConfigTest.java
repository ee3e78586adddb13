package dev.outpost.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Config validation: every rejection names the key, the value and what is allowed. */
class ClusterConfigTest {

  @Test
  void defaults_areTheShippedTcpStacksAndOneMebibyteFills() {
    ClusterConfig c = ClusterConfig.builder("eu", "eu-1").build();
    assertThat(c.clusterName()).isEqualTo("outpost-eu");
    assertThat(c.maxFillSize()).isEqualTo(1 << 20);
    assertThat(c.stack()).isEqualTo(StackSelection.TCP);
    assertThat(c.relayStack()).isEqualTo(StackSelection.RELAY_TCP);
    assertThat(c.relayEnabled()).isFalse();
  }

  @Test
  void stringsAsOperatorsWriteThem_areParsed() {
    ClusterConfig c = ClusterConfig.builder("us-east", "us-1")
        .bind("10.0.0.5:7800").peers("10.0.0.6:7800, [fe80::1]:7801")
        .relayBind("10.0.0.5:7850").relayPeers("10.1.0.5:7850")
        .stack("/etc/outpost/my-stack.xml").relayStack("relay-tcp").build();
    assertThat(c.bind()).isEqualTo(new HostPort("10.0.0.5", 7800));
    assertThat(c.peers()).containsExactly(new HostPort("10.0.0.6", 7800), new HostPort("fe80::1", 7801));
    assertThat(c.peers().get(1)).hasToString("[fe80::1]:7801");
    assertThat(c.relayEnabled()).isTrue();
    assertThat(c.stack().path()).isEqualTo(Path.of("/etc/outpost/my-stack.xml"));
    assertThat(c.relayStack()).isEqualTo(StackSelection.RELAY_TCP);
  }

  @Test
  void badRegion_namesKeyValueAndRule() {
    assertThatThrownBy(() -> ClusterConfig.builder("EU West", "n").build())
        .hasMessage("cluster.region \"EU West\" is invalid: use 1-32 lower-case letters, digits, '-' or '_',"
            + " starting with a letter or digit");
  }

  @Test
  void badNodeName_isRejected_andAtSignIsNotAllowed() {
    assertThatThrownBy(() -> ClusterConfig.builder("eu", "node@eu").build())
        .hasMessageStartingWith("cluster.node-name \"node@eu\" is invalid");
  }

  @Test
  void badAddresses_nameTheKey() {
    assertThatThrownBy(() -> ClusterConfig.builder("eu", "n").bind("nohost"))
        .hasMessageStartingWith("cluster.bind \"nohost\" is invalid: use host:port");
    assertThatThrownBy(() -> ClusterConfig.builder("eu", "n").peers("a:1,,b:2"))
        .hasMessageStartingWith("cluster.peers \"a:1,,b:2\" has an empty entry");
    assertThatThrownBy(() -> ClusterConfig.builder("eu", "n").relayPeers("a:70000"))
        .hasMessageStartingWith("cluster.relay-peers \"a:70000\" is invalid");
  }

  @Test
  void relayPeersWithoutRelayBind_areRejected() {
    assertThatThrownBy(() -> ClusterConfig.builder("eu", "n").relayPeers(List.of(new HostPort("h", 1))).build())
        .hasMessageContaining("cluster.relay-peers").hasMessageContaining("need cluster.relay-bind");
  }

  @Test
  void relayOnTheRegionalPort_isRejected() {
    assertThatThrownBy(() -> ClusterConfig.builder("eu", "n").bind("h:7800").relayBind("h:7800").build())
        .hasMessageStartingWith("cluster.relay-bind \"h:7800\" is invalid: the bridge needs another port");
  }

  @Test
  void relayWhereTheRegionalFailureDetectorListens_isRejected_withPortsThatWork() {
    assertThatThrownBy(() -> ClusterConfig.builder("eu", "n").bind("h:7800").relayBind("h:7900").build())
        .hasMessageStartingWith("cluster.relay-bind \"h:7900\" is invalid: each transport's failure detector")
        .hasMessageContaining("e.g. 7800 and 7850");
    assertThatThrownBy(() -> ClusterConfig.builder("eu", "n").bind("h:7904").relayBind("h:7800").build())
        .hasMessageContaining("failure detector");
    assertThat(ClusterConfig.builder("eu", "n").bind("h:7800").relayBind("h:7850").build().relayBind().port())
        .isEqualTo(7850);
    assertThat(ClusterConfig.builder("eu", "n").bind("h:7800").relayBind("other:7900").build().relayEnabled())
        .as("another host: no clash").isTrue();
  }

  @Test
  void relayAdvertise_needsRelayBind() {
    assertThatThrownBy(() -> ClusterConfig.builder("eu", "n").relayAdvertise("203.0.113.5:7850").build())
        .hasMessageStartingWith("cluster.relay-advertise \"203.0.113.5:7850\" is invalid")
        .hasMessageContaining("needs cluster.relay-bind");
    assertThat(ClusterConfig.builder("eu", "n").relayBind("10.0.0.5:7850").relayAdvertise("203.0.113.5:7850").build()
        .relayAdvertise()).isEqualTo(new HostPort("203.0.113.5", 7850));
  }

  @Test
  void maxFillSizeOutOfRange_namesTheRange() {
    assertThatThrownBy(() -> ClusterConfig.builder("eu", "n").maxFillSize(10).build())
        .hasMessage("cluster.max-fill-size \"10\" is invalid: use 1024 to 67108864 bytes (1KiB-64MiB)");
  }

  @Test
  void unknownShippedStack_isReportedWhenLoading() {
    assertThatThrownBy(() -> StackSelection.parse("cluster.stack", "Fancy Stack"))
        .hasMessageStartingWith("cluster.stack \"Fancy Stack\" is invalid");
  }

  @Test
  void budgetShare_isTheFloorOfTheSplit_butNeverZero() {
    assertThat(ConnectionBudget.share(12, 3)).isEqualTo(4);
    assertThat(ConnectionBudget.share(12, 2)).isEqualTo(6);
    assertThat(ConnectionBudget.share(10, 3)).isEqualTo(3);
    assertThat(ConnectionBudget.share(2, 5)).isEqualTo(1);
    assertThatThrownBy(() -> ConnectionBudget.share(0, 1)).hasMessageContaining("origin.max-connections");
    assertThatThrownBy(() -> ConnectionBudget.share(4, 0)).hasMessageContaining("at least one member");
  }
}
