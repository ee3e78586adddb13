package dev.outpost.proxy.cli;

import dev.outpost.proxy.config.ConfigException;
import dev.outpost.proxy.config.ConfigLoader;
import dev.outpost.proxy.config.ConfigRow;
import dev.outpost.proxy.config.ConfigSource;
import dev.outpost.proxy.config.LoadedConfig;
import dev.outpost.proxy.config.ProxyConfig;
import dev.outpost.proxy.metrics.Metrics;
import dev.outpost.proxy.metrics.MetricsServer;
import dev.outpost.proxy.server.OutpostNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code outpost serve}: run a node until stopped. Every configuration key is a flag (added by
 * {@link KeyOptions}); flags win over {@code OUTPOST_…} variables, which win over the file.
 *
 * <p>Exit codes: 2 when the configuration is rejected (each problem on its own stderr line), 1
 * when the node cannot start (e.g. the address is taken), 0 after a normal shutdown. On success it
 * prints {@code outpost ready on HOST:PORT} on stdout, which tools wait for.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Run an Outpost node. Every option is also a config-file key and an OUTPOST_… variable;"
        + " flags win over the environment, which wins over the file.")
final class ServeCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

  @Spec
  CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE", order = -1,
      description = "YAML config file (or OUTPOST_CONFIG). Relative paths in it are relative to its folder.")
  Path config;

  private final Map<String, String> env;

  ServeCommand(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ConfigLoader loader = KeyOptions.loader(spec, config, env);
    LoadedConfig loaded;
    try {
      loaded = loader.load();
    } catch (ConfigException e) {
      e.problems().forEach(p -> err.println("outpost: " + p));
      err.flush();
      return 2;
    }
    ProxyConfig c = loaded.config();
    c.logLevel().apply();
    logSettings(loaded, loader.file());

    Metrics metrics = new Metrics().bindJvm();
    AtomicBoolean serving = new AtomicBoolean();
    MetricsServer metricsServer = null;
    if (c.metrics() != null) {
      try {
        metricsServer = MetricsServer.start(c.metrics().host(), c.metrics().port(), metrics, serving::get);
      } catch (IOException e) {
        err.println("outpost: metrics: cannot listen on " + c.metrics() + ": " + e.getMessage());
        err.flush();
        return 1;
      }
    }
    OutpostNode node = new OutpostNode(c, OutpostNode.Options.defaults().withMetrics(metrics));
    try {
      node.start();
    } catch (Exception e) {
      err.println("outpost: could not start on " + c.listenAddress() + ": " + e);
      err.flush();
      node.close();
      if (metricsServer != null) {
        metricsServer.close();
      }
      return 1;
    }
    serving.set(true);
    CountDownLatch stopped = new CountDownLatch(1);
    MetricsServer ms = metricsServer;
    node.configSource(loader::load);
    installReloadSignal(node, loader);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      // /health turns unavailable first, so that a load balancer stops sending clients.
      serving.set(false);
      node.shutdown(node.config().shutdownTimeout());
      if (ms != null) {
        ms.close();
      }
      metrics.close();
      stopped.countDown();
    }, "outpost-shutdown"));
    out.println("outpost ready on " + node.address().getHostString() + ":" + node.port());
    out.flush();
    stopped.await();
    return 0;
  }

  /**
   * SIGHUP re-reads the configuration (like the admin console's RELOAD). Without a handler the JVM
   * would treat SIGHUP as a request to exit.
   */
  @SuppressWarnings("removal")
  private static void installReloadSignal(OutpostNode node, ConfigLoader loader) {
    try {
      sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> {
        try {
          node.reloadFromSource();
        } catch (ConfigException e) {
          log.error("reload refused, the running configuration stays: {}", String.join("; ", e.problems()));
        } catch (RuntimeException e) {
          log.error("reload failed, the running configuration stays: {}", e.toString());
        }
      });
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      log.warn("SIGHUP cannot be handled on this platform ({}); use the admin console's RELOAD", e.getMessage());
    }
  }

  /** One log line with the settings that are not defaults, secrets masked. */
  private static void logSettings(LoadedConfig loaded, Path file) {
    StringBuilder b = new StringBuilder();
    for (ConfigRow r : loaded.rows()) {
      if (r.source() != ConfigSource.DEFAULT) {
        b.append(b.length() == 0 ? "" : ", ").append(r.key()).append('=').append(r.value())
            .append(" (").append(r.source().label()).append(')');
      }
    }
    log.info("configuration{}: {}", file == null ? "" : " from " + file, b);
  }
}
