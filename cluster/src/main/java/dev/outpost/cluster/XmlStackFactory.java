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
import org.jgroups.protocols.TCPPING;
import org.jgroups.protocols.TP;
import org.jgroups.stack.Configurator;
import org.jgroups.stack.Protocol;
import org.jgroups.stack.ProtocolStack;

/**
 * Builds stacks from JGroups XML stack files ({@link StackSelection}): a shipped one from the
 * classpath or an operator's file. After JGroups applies the file's attributes, the transport's
 * bind address and port and TCPPING's initial hosts are replaced by the config's values, so that
 * one file serves every node and addresses live only in Outpost's config.
 */
final class XmlStackFactory implements StackFactory {

  @Override
  public List<Protocol> region(ClusterConfig config) throws Exception {
    return build(config.stack(), ClusterConfig.KEY_STACK, ClusterConfig.KEY_BIND, config.bind(), config.peers());
  }

  @Override
  public List<Protocol> bridge(ClusterConfig config) throws Exception {
    return build(config.relayStack(), ClusterConfig.KEY_RELAY_STACK, ClusterConfig.KEY_RELAY_BIND,
        config.relayBind(), config.relayPeers());
  }

  private static List<Protocol> build(
      StackSelection selection, String key, String bindKey, HostPort bind, List<HostPort> peers) throws Exception {
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
    transport.setBindAddress(address(bindKey, bind));
    transport.setBindPort(bind.port());
    for (Protocol p : protocols) {
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
