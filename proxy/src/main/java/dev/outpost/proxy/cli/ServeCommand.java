package dev.outpost.proxy.cli;

import dev.outpost.proxy.config.AuthMethod;
import dev.outpost.proxy.config.ConfigValues;
import dev.outpost.proxy.config.OriginUrl;
import dev.outpost.proxy.config.PoolMode;
import dev.outpost.proxy.config.ProxyConfig;
import dev.outpost.proxy.server.OutpostNode;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code outpost serve}: run a node until stopped. */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Run an Outpost node.")
final class ServeCommand implements Callable<Integer> {
  @Option(names = "--listen", description = "HOST:PORT to accept clients on (default 127.0.0.1:6432).",
      defaultValue = "127.0.0.1:6432")
  String listen;

  @Option(names = "--origin", required = true,
      description = "The origin, as postgresql://user:password@host:port/database?sslmode=…")
  String origin;

  @Option(names = "--pool-mode", description = "transaction (default) or session.", defaultValue = "transaction")
  String poolMode;

  @Option(names = "--pool-size", description = "Most origin connections per (user, database) (default 20).",
      defaultValue = "20")
  int poolSize;

  @Option(names = "--pool-min-idle", description = "Connections kept open while idle (default 1).",
      defaultValue = "1")
  int minIdle;

  @Option(names = "--pool-acquire-timeout", description = "How long a client waits for a connection (default 15s).",
      defaultValue = "15s")
  String acquireTimeout;

  @Option(names = "--pool-connect-timeout", description = "Timeout for connecting to the origin (default 15s).",
      defaultValue = "15s")
  String connectTimeout;

  @Option(names = "--auth", description = "scram (default), md5 or trust.", defaultValue = "scram")
  String auth;

  @Option(names = "--worker-threads", description = "Event-loop threads (default: one per core).",
      defaultValue = "0")
  int workerThreads;

  @Override
  public Integer call() throws Exception {
    ProxyConfig config;
    try {
      config = buildConfig();
    } catch (IllegalArgumentException e) {
      System.err.println("outpost: " + e.getMessage());
      return 2;
    }
    OutpostNode node = new OutpostNode(config).start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      node.close();
      stopped.countDown();
    }, "outpost-shutdown"));
    System.out.println("outpost ready on " + node.address().getHostString() + ":" + node.port());
    stopped.await();
    return 0;
  }

  ProxyConfig buildConfig() {
    HostPort hp = HostPort.parse(listen, "--listen");
    return ProxyConfig.builder(OriginUrl.parse(origin))
        .listen(hp.host(), hp.port())
        .poolMode(PoolMode.parse(poolMode))
        .poolSize(poolSize)
        .minIdle(minIdle)
        .acquireTimeout(ConfigValues.duration(acquireTimeout))
        .connectTimeout(ConfigValues.duration(connectTimeout))
        .authMethod(AuthMethod.parse(auth))
        .workerThreads(workerThreads)
        .build();
  }
}
