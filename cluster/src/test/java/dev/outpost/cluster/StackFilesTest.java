package dev.outpost.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.cache.Ticker;
import dev.outpost.cache.store.QueryCacheBuilder;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jgroups.PhysicalAddress;
import org.jgroups.protocols.FD_SOCK2;
import org.jgroups.protocols.FRAG4;
import org.jgroups.protocols.TCP;
import org.jgroups.protocols.TCPPING;
import org.jgroups.stack.IpAddress;
import org.jgroups.stack.Protocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped stack files load by name, an operator's file loads by path, and either way the
 * transport's address and TCPPING's peers come from the config, not the file. No channel is
 * connected here.
 */
class StackFilesTest {

  private final ClusterConfig config = ClusterConfig.builder("eu", "eu-1")
      .bind("127.0.0.1:17800").peers("127.0.0.2:17801,127.0.0.3:17802")
      .relayBind("127.0.0.1:17850").relayPeers("127.0.0.9:17850").build();

  @Test
  void shippedRegionStack_isTcpWithTcppingOverTheConfiguredPeers() throws Exception {
    List<Protocol> stack = new XmlStackFactory().region(config);
    TCP tcp = (TCP) stack.get(0);
    assertThat(tcp.getBindAddress().getHostAddress()).isEqualTo("127.0.0.1");
    assertThat(tcp.getBindPort()).isEqualTo(17800);
    assertThat(hosts(stack)).containsExactlyInAnyOrder("127.0.0.1:17800", "127.0.0.2:17801", "127.0.0.3:17802");
    assertThat(stack).anyMatch(p -> p instanceof FRAG4);
  }

  @Test
  void shippedBridgeStack_usesTheRelayAddresses() throws Exception {
    List<Protocol> stack = new XmlStackFactory().bridge(config);
    assertThat(((TCP) stack.get(0)).getBindPort()).isEqualTo(17850);
    assertThat(hosts(stack)).containsExactlyInAnyOrder("127.0.0.1:17850", "127.0.0.9:17850");
  }

  @Test
  void failureDetectors_listenOnTheTransportsAddress_notOnEveryInterface() throws Exception {
    for (List<Protocol> stack : List.of(new XmlStackFactory().region(config), new XmlStackFactory().bridge(config))) {
      FD_SOCK2 fd = (FD_SOCK2) stack.stream().filter(p -> p instanceof FD_SOCK2).findFirst().orElseThrow();
      assertThat(fd.getBindAddress().getHostAddress()).isEqualTo("127.0.0.1");
      assertThat(fd.getOffset()).isEqualTo(ClusterConfig.FAILURE_DETECTOR_OFFSET);
    }
  }

  @Test
  void advertisedRelayAddress_isWhatTheBridgeTellsOthers_whileItListensOnRelayBind() throws Exception {
    ClusterConfig natted = ClusterConfig.builder("eu", "eu-1").bind("127.0.0.1:17800")
        .relayBind("127.0.0.1:17850").relayAdvertise("127.0.0.7:27850").relayPeers("127.0.0.9:17850").build();

    TCP bridge = (TCP) new XmlStackFactory().bridge(natted).get(0);
    TCP region = (TCP) new XmlStackFactory().region(natted).get(0);

    assertThat(bridge.getBindPort()).isEqualTo(17850);
    assertThat(bridge.getExternalAddr().getHostAddress()).isEqualTo("127.0.0.7");
    assertThat(bridge.getExternalPort()).isEqualTo(27850);
    assertThat(region.getExternalAddr()).as("the region's transport is not advertised elsewhere").isNull();
  }

  @Test
  void operatorStackFile_isLoadedByPath_withAddressesStillFromTheConfig(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("mine.xml");
    Files.writeString(file, """
        <config xmlns="urn:org:jgroups">
          <TCP bind_addr="127.0.0.1" bind_port="${my.port:9999}"/>
          <TCPPING initial_hosts="127.0.0.1[9999]" port_range="0"/>
          <pbcast.NAKACK2/>
          <UNICAST3/>
          <pbcast.GMS join_timeout="500"/>
        </config>
        """);
    ClusterConfig c = ClusterConfig.builder("eu", "eu-1").bind("127.0.0.1:17810").stack(file.toString()).build();
    List<Protocol> stack = new XmlStackFactory().region(c);
    assertThat(((TCP) stack.get(0)).getBindPort()).isEqualTo(17810);
    assertThat(hosts(stack)).containsExactly("127.0.0.1:17810");
  }

  @Test
  void unknownStackName_andMissingFile_nameTheKey() {
    ClusterConfig unknown = ClusterConfig.builder("eu", "eu-1").stack("udp-fancy").build();
    assertThatThrownBy(() -> new XmlStackFactory().region(unknown))
        .hasMessageStartingWith("cluster.stack \"udp-fancy\" is not a shipped stack");
    ClusterConfig missing = ClusterConfig.builder("eu", "eu-1").relayBind("127.0.0.1:1")
        .relayStack("/nonexistent/bridge.xml").build();
    assertThatThrownBy(() -> new XmlStackFactory().bridge(missing))
        .hasMessageStartingWith("cluster.relay-stack \"/nonexistent/bridge.xml\" is not a readable stack file");
  }

  @Test
  void startingWithABadStack_failsWithAClusterExceptionNamingIt() {
    ClusterConfig unknown = ClusterConfig.builder("eu", "eu-1").stack("nope").build();
    assertThatThrownBy(() -> ClusterNode.start(unknown))
        .isInstanceOf(ClusterException.class).hasMessageContaining("cluster.stack \"nope\"");
  }

  @Test
  void cacheWithAnotherNodeId_isRefusedByTheBus() {
    JGroupsCacheBus bus = new JGroupsCacheBus("eu-1", "eu", false, 1 << 20, Ticker.system(), TestStacks.FAST);
    assertThatThrownBy(() -> QueryCacheBuilder.newBuilder().nodeId("eu-one").bus(bus).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"eu-one\" must be the cluster node name \"eu-1\" (cluster.node-name)");
  }

  private static List<String> hosts(List<Protocol> stack) {
    TCPPING ping = (TCPPING) stack.stream().filter(p -> p instanceof TCPPING).findFirst().orElseThrow();
    return ping.getInitialHosts().stream().map(StackFilesTest::text).toList();
  }

  private static String text(PhysicalAddress a) {
    IpAddress ip = (IpAddress) a;
    return new InetSocketAddress(ip.getIpAddress(), ip.getPort()).getAddress().getHostAddress() + ":" + ip.getPort();
  }
}
