package dev.outpost.proxy.cli;

import dev.outpost.proxy.config.ConfigValues;
import dev.outpost.proxy.config.HostPort;
import dev.outpost.proxy.demo.Demo;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code outpost demo}: an embedded origin behind an emulated WAN, and one node in front. */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Start an embedded Postgres behind an emulated WAN and one Outpost node, ready for psql.")
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--wan-delay", description = "One-way delay between the node and the origin (default 25ms).",
      defaultValue = "25ms")
  String wanDelay;

  @Option(names = "--listen", description = "HOST:PORT for the node (default 127.0.0.1:6432).",
      defaultValue = "127.0.0.1:6432")
  String listen;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Duration delay;
    HostPort hp;
    try {
      delay = ConfigValues.duration(wanDelay);
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println("outpost demo: --wan-delay \"" + wanDelay
          + "\" is not a duration (e.g. 25ms)");
      return 2;
    }
    try {
      hp = HostPort.parse(listen);
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println("outpost demo: --listen \"" + listen + "\" " + e.getMessage()
          + " (e.g. 127.0.0.1:6432)");
      return 2;
    }
    try (Demo demo = Demo.start(delay, hp.host(), hp.port())) {
      System.out.println(demo.banner());
      Runtime.getRuntime().addShutdownHook(new Thread(demo::close, "outpost-demo-stop"));
      demo.awaitStop();
    }
    return 0;
  }
}
