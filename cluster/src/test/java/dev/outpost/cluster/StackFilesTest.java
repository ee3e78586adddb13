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
      .relayBind("127.0.0.1:17900").relayPeers("127.0.0.9:17900").build();

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
    assertThat(((TCP) stack.get(0)).getBindPort()).isEqualTo(17900);
    assertThat(hosts(stack)).containsExactlyInAnyOrder("127.0.0.1:17900", "127.0.0.9:17900");
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
