package dev.outpost.bench.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server the bench runs as a child process (an Outpost node, PgBouncer): started with its
 * output in a log file, considered up when its port accepts connections, stopped with SIGTERM and,
 * if it does not go, SIGKILL. Only ever stops the process it started.
 */
public final class ChildProcess implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ChildProcess.class);
  private static final Pattern ERROR_LINE = Pattern.compile(
      "(?i)(unknown option|missing required|invalid|error|exception|fatal|cannot|could not|refused|denied)");

  private final String name;
  private final Process process;
  private final Path logFile;

  private ChildProcess(String name, Process process, Path logFile) {
    this.name = name;
    this.process = process;
    this.logFile = logFile;
  }

  /** Starts {@code command} with stdout and stderr appended to {@code logFile}. */
  public static ChildProcess start(String name, List<String> command, Path logFile) throws IOException {
    Files.createDirectories(logFile.toAbsolutePath().getParent());
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    Process process = builder.start();
    log.info("{}: started pid {} (log {})", name, process.pid(), logFile);
    return new ChildProcess(name, process, logFile);
  }

  /**
   * Waits until {@code host:port} accepts a connection.
   *
   * @throws StartFailure if the process exits first or the deadline passes; its message carries the
   *     end of the process's log
   */
  public void awaitPort(String host, int port, Duration timeout) throws StartFailure, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (!process.isAlive()) {
        throw new StartFailure(name + " exited with code " + process.exitValue() + ": " + diagnosis());
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(host, port), 500);
        return;
      } catch (IOException notYet) {
        // not listening yet
      }
      if (System.nanoTime() - deadline > 0) {
        throw new StartFailure(name + " did not listen on " + host + ":" + port + " within "
            + timeout.toMillis() + " ms: " + diagnosis());
      }
      Thread.sleep(100);
    }
  }

  /** Waits for the process to exit on its own and returns its exit code, or -1 on timeout. */
  public int awaitExit(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public long pid() {
    return process.pid();
  }

  public Path logFile() {
    return logFile;
  }

  /**
   * The line of the log that most likely says what went wrong: the first one that reads like an
   * error (a CLI prints "Unknown option: ..." before pages of usage), else the last three lines.
   */
  public String diagnosis() {
    try {
      if (Files.exists(logFile)) {
        for (String line : Files.readAllLines(logFile, StandardCharsets.UTF_8)) {
          if (ERROR_LINE.matcher(line).find()) {
            String l = line.strip();
            return l.length() <= 300 ? l : l.substring(0, 297) + "...";
          }
        }
      }
    } catch (IOException | UncheckedIOException e) {
      return "(log unreadable: " + e.getMessage() + ")";
    }
    return lastLines(3);
  }

  /** The last {@code n} non-blank lines of the log, joined by " | ", for error messages. */
  public String lastLines(int n) {
    List<String> lines;
    try {
      lines = Files.exists(logFile) ? Files.readAllLines(logFile, StandardCharsets.UTF_8) : List.of();
    } catch (IOException | UncheckedIOException e) {
      return "(log unreadable: " + e.getMessage() + ")";
    }
    List<String> tail = new ArrayList<>();
    for (int i = lines.size() - 1; i >= 0 && tail.size() < n; i--) {
      if (!lines.get(i).isBlank()) {
        tail.add(0, lines.get(i).strip());
      }
    }
    return tail.isEmpty() ? "(no output)" : String.join(" | ", tail);
  }

  /** SIGTERM, up to 10 s for a clean exit, then SIGKILL. */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        log.warn("{}: pid {} ignored SIGTERM for 10s, killing it", name, process.pid());
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    log.info("{}: stopped", name);
  }

  /** A child that did not come up; the message says why, in the child's own words. */
  public static final class StartFailure extends Exception {
    public StartFailure(String message) {
      super(message);
    }
  }
}
