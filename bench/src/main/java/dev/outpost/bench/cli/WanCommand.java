package dev.outpost.bench.cli;

import dev.outpost.bench.util.Durations;
import dev.outpost.wan.WanEmulator;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code outpost-bench wan}: runs the WAN emulator on its own until Ctrl-C (or {@code --for}). */
@Command(name = "wan", mixinStandardHelpOptions = true,
    description = {"Relays a local port to a target with an emulated one-way delay per direction.",
        "Example: outpost-bench wan --listen 127.0.0.1:15432 --target 127.0.0.1:5432 --delay 25ms"})
public final class WanCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--listen", converter = Converters.HostPortConverter.class, defaultValue = "127.0.0.1:0",
      description = "where to listen (default ${DEFAULT-VALUE}: a free port, printed at start)")
  HostPort listen;

  @Option(names = "--target", required = true, converter = Converters.HostPortConverter.class,
      description = "where to relay to, HOST:PORT")
  HostPort target;

  @Option(names = "--delay", converter = Converters.DurationConverter.class, defaultValue = "25ms",
      description = "one-way delay in each direction (default ${DEFAULT-VALUE}; a round trip costs twice this)")
  Duration delay;

  @Option(names = "--delay-up", converter = Converters.DurationConverter.class,
      description = "client-to-target delay (overrides --delay)")
  Duration delayUp;

  @Option(names = "--delay-down", converter = Converters.DurationConverter.class,
      description = "target-to-client delay (overrides --delay)")
  Duration delayDown;

  @Option(names = "--jitter", converter = Converters.DurationConverter.class, defaultValue = "0ms",
      description = "extra uniform delay in [0, jitter] per chunk, never reordering (default ${DEFAULT-VALUE})")
  Duration jitter;

  @Option(names = "--no-handshake", description = "do not charge new connections the TCP handshake round trip")
  boolean noHandshake;

  @Option(names = "--for", converter = Converters.DurationConverter.class,
      description = "stop after this long (default: run until interrupted)")
  Duration runFor;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    Duration up = delayUp != null ? delayUp : delay;
    Duration down = delayDown != null ? delayDown : delay;
    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch stopped = new CountDownLatch(1);
    try (WanEmulator wan = WanEmulator.builder().listen(listen.host(), listen.port())
        .target(target.host(), target.port()).delay(up, down).jitter(jitter).chargeHandshake(!noHandshake).start()) {
      // On Ctrl-C the hook lets the main thread print its totals before the JVM goes.
      Thread hook = new Thread(() -> {
        stop.countDown();
        try {
          stopped.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "wan-stop");
      Runtime.getRuntime().addShutdownHook(hook);
      out.printf("wan ready: %s:%d -> %s, up %s, down %s%s%n", wan.host(), wan.port(), target,
          Durations.format(up), Durations.format(down),
          jitter.isZero() ? "" : ", jitter 0.." + Durations.format(jitter));
      out.flush();
      if (runFor != null) {
        stop.await(runFor.toMillis(), TimeUnit.MILLISECONDS);
        Runtime.getRuntime().removeShutdownHook(hook);
      } else {
        stop.await();
      }
      out.printf("wan stopped: %d connections, %d bytes relayed%n", wan.connections(), wan.bytesRelayed());
      out.flush();
    } finally {
      stopped.countDown();
    }
    return 0;
  }
}
