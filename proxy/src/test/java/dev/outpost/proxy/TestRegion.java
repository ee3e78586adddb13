package dev.outpost.proxy;

import dev.outpost.proxy.cache.CachePolicy;
import dev.outpost.proxy.config.HostPort;
import dev.outpost.proxy.server.OutpostNode;
import dev.outpost.testkit.TestOrigin;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Outpost nodes of one or two regions in this JVM, on loopback TCP (the shipped JGroups stacks),
 * in front of one test origin database.
 */
final class TestRegion implements AutoCloseable {
  final List<TestNode> nodes = new ArrayList<>();
  /** The region's name. */
  String name;

  /** Starts {@code count} nodes of {@code region}; with {@code relay} they also bridge to other regions. */
  static TestRegion start(TestOrigin origin, String db, String region, int count, int budget, CachePolicy policy,
      List<HostPort> relayBinds, List<HostPort> relayPeers) throws IOException {
    return start(origin, db, region, count, budget, policy, relayBinds, relayPeers, b -> b);
  }

  /** The same, with more settings for every node. */
  static TestRegion start(TestOrigin origin, String db, String region, int count, int budget, CachePolicy policy,
      List<HostPort> relayBinds, List<HostPort> relayPeers,
      java.util.function.UnaryOperator<dev.outpost.proxy.config.ProxyConfig.Builder> extra) throws IOException {
    return startWithPolicies(origin, db, region, count, budget, i -> policy, relayBinds, relayPeers, extra);
  }

  /** The same, with each node's cache policy ({@code policyOf.apply(i)}, null for the default) of its own. */
  static TestRegion startWithPolicies(TestOrigin origin, String db, String region, int count, int budget,
      java.util.function.IntFunction<CachePolicy> policyOf, List<HostPort> relayBinds, List<HostPort> relayPeers,
      java.util.function.UnaryOperator<dev.outpost.proxy.config.ProxyConfig.Builder> extra) throws IOException {
    TestRegion r = new TestRegion();
    r.name = region;
    List<HostPort> binds = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      binds.add(new HostPort("127.0.0.1", NodeProcess.freePort()));
    }
    for (int i = 0; i < count; i++) {
      int n = i;
      CachePolicy policy = policyOf.apply(i);
      r.nodes.add(TestNode.start(origin, db, b -> {
        b.poolSize(budget).originMaxConnections(budget).region(region).nodeName(region + "-" + (n + 1))
            .clusterBind(binds.get(n)).clusterPeers(binds);
        if (relayBinds != null) {
          b.relayBind(relayBinds.get(n)).relayPeers(relayPeers);
        }
        return extra.apply(b);
      }, policy == null ? OutpostNode.Options.defaults() : OutpostNode.Options.defaults().withCachePolicy(policy)));
    }
    r.awaitMembers(count);
    return r;
  }

  /** Waits until every node sees {@code count} members. */
  void awaitMembers(int count) {
    awaitMembersOf(nodes, count);
  }

  /** Waits until each of {@code these} sees {@code count} members. */
  void awaitMembersOf(List<TestNode> these, int count) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      boolean formed = true;
      for (TestNode n : these) {
        formed &= n.node().cluster().membership().size() == count;
      }
      if (formed) {
        return;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    throw new AssertionError("the region did not form with " + count + " members");
  }

  /** Waits until each of the two regions reaches the other over the relay. */
  static void awaitBridge(TestRegion a, TestRegion b) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (a.reaches(b.name) && b.reaches(a.name)) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the regions never saw each other over the relay");
  }

  private boolean reaches(String other) {
    for (TestNode n : nodes) {
      if (n.node().cluster().snapshot().relay().reachableRegions().contains(other)) {
        return true;
      }
    }
    return false;
  }

  TestNode get(int i) {
    return nodes.get(i);
  }

  static CachePolicy policy(Duration maxAge, Duration swr) {
    return new CachePolicy(true, maxAge, swr, 64L << 20, 1L << 20, List.of());
  }

  /** The cache off (the node still tracks and publishes its writes when it has peers). */
  static CachePolicy cacheOff() {
    return new CachePolicy(false, Duration.ofSeconds(60), Duration.ofSeconds(15), 64L << 20, 1L << 20, List.of());
  }

  @Override
  public void close() {
    for (TestNode n : nodes) {
      n.close();
    }
  }
}
