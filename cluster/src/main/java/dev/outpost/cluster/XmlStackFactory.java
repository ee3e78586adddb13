package dev.outpost.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.jgroups.conf.ConfiguratorFactory;
import org.jgroups.conf.ProtocolConfiguration;
import org.jgroups.conf.ProtocolStackConfigurator;
import org.jgroups.protocols.FD_SOCK2;
import org.jgroups.protocols.TCPPING;
import org.jgroups.protocols.TP;
import org.jgroups.stack.Configurator;
import org.jgroups.stack.Protocol;
import org.jgroups.stack.ProtocolStack;

/**
 * Builds stacks from JGroups XML stack files ({@link StackSelection}): a shipped one from the
 * classpath or an operator's file. After JGroups applies the file's attributes, the transport's
 * bind address and port (and, for the bridge, the advertised address) and TCPPING's initial hosts are
 * replaced by the config's values, so that one file serves every node and addresses live only in
 * Outpost's config. A failure detector (FD_SOCK2) without its own bind address listens on the
 * transport's, never on every interface.
 */
final class XmlStackFactory implements StackFactory {

  @Override
  public List<Protocol> region(ClusterConfig config) throws Exception {
    return build(config.stack(), ClusterConfig.KEY_STACK, ClusterConfig.KEY_BIND, config.bind(), null, config.peers());
  }

  @Override
  public List<Protocol> bridge(ClusterConfig config) throws Exception {
    return build(config.relayStack(), ClusterConfig.KEY_RELAY_STACK, ClusterConfig.KEY_RELAY_BIND,
        config.relayBind(), config.relayAdvertise(), config.relayPeers());
  }

  private static List<Protocol> build(
      StackSelection selection, String key, String bindKey, HostPort bind, HostPort advertise, List<HostPort> peers)
      throws Exception {
    List<ProtocolConfiguration> configs;
    try (InputStream in = open(selection, key)) {
      ProtocolStackConfigurator parsed = ConfiguratorFactory.getStackConfigurator(in);
      configs = parsed.getProtocolStack();
    }
    for (ProtocolConfiguration c : configs) {
      c.substituteVariables(); // ${jgroups.*:default} placeholders an operator's file may use
    }
    List<Protocol> protocols = Configurator.createProtocolsAndInitializeAttrs(configs, new ProtocolStack());
    if (protocols.isEmpty() || !(protocols.get(0) instanceof TP transport)) {
      throw new IllegalArgumentException(key + " \"" + selection + "\" does not start with a transport protocol");
    }
    InetAddress bindAddress = address(bindKey, bind);
    transport.setBindAddress(bindAddress);
    transport.setBindPort(bind.port());
    if (advertise != null) {
      // Others connect to (and discover) this address; traffic to it must reach bind.
      transport.setExternalAddr(address(ClusterConfig.KEY_RELAY_ADVERTISE, advertise));
      transport.setExternalPort(advertise.port());
    }
    for (Protocol p : protocols) {
      if (p instanceof FD_SOCK2 fd && fd.getBindAddress() == null) {
        fd.setBindAddress(bindAddress); // not every interface: only where the transport listens
      }
      if (p instanceof TCPPING ping) {
        List<InetSocketAddress> hosts = new ArrayList<>();
        hosts.add(new InetSocketAddress(bind.host(), bind.port())); // peers may omit this node itself
        for (HostPort peer : peers) {
          hosts.add(new InetSocketAddress(peer.host(), peer.port()));
        }
        ping.setInitialHosts(hosts);
      }
    }
    return protocols;
  }

  private static InputStream open(StackSelection selection, String key) throws IOException {
    if (selection.path() != null) {
      if (!Files.isReadable(selection.path())) {
        throw new IllegalArgumentException(key + " \"" + selection.path() + "\" is not a readable stack file");
      }
      return Files.newInputStream(selection.path());
    }
    InputStream in = XmlStackFactory.class.getClassLoader().getResourceAsStream(selection.resource());
    if (in == null) {
      throw new IllegalArgumentException(key + " \"" + selection.name()
          + "\" is not a shipped stack: use tcp or relay-tcp, or the path of a stack file");
    }
    return in;
  }

  private static InetAddress address(String key, HostPort bind) {
    try {
      return InetAddress.getByName(bind.host());
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(key + " \"" + bind + "\" is invalid: the host does not resolve", e);
    }
  }
}
