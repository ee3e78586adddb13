package dev.outpost.proxy.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP endpoint of {@code --metrics HOST:PORT}: {@code GET /metrics} serves the Prometheus text
 * format (0.0.4) of a {@link Metrics}; {@code GET /health} answers {@code 200 ok} while the node
 * says it is up and {@code 503 unavailable} otherwise (starting, shutting down). Anything else is
 * 404 (unknown path) or 405 (not GET/HEAD).
 *
 * <p>It runs on one daemon thread of its own, so a slow scraper never touches the event loops.
 */
public final class MetricsServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MetricsServer.class);
  /** The Prometheus text exposition format's content type. */
  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final HttpServer server;
  private final ExecutorService executor;

  private MetricsServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Binds {@code host:port} (port 0 picks a free one) and starts serving.
   *
   * @param healthy whether the node is up, asked at each {@code /health} request
   * @throws IOException when the address cannot be bound
   */
  public static MetricsServer start(String host, int port, Metrics metrics, BooleanSupplier healthy)
      throws IOException {
    Objects.requireNonNull(metrics, "metrics");
    Objects.requireNonNull(healthy, "healthy");
    HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 16);
    ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "outpost-metrics");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/", exchange -> handle(exchange, metrics, healthy));
    server.start();
    MetricsServer s = new MetricsServer(server, executor);
    log.info("metrics on http://{}:{}/metrics", host, s.port());
    return s;
  }

  private static void handle(HttpExchange exchange, Metrics metrics, BooleanSupplier healthy) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      String path = exchange.getRequestURI().getPath();
      if (!path.equals("/metrics") && !path.equals("/health")) {
        send(exchange, 404, "text/plain; charset=utf-8", "not found: try /metrics or /health\n");
      } else if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        send(exchange, 405, "text/plain; charset=utf-8", "method not allowed\n");
      } else if (path.equals("/metrics")) {
        send(exchange, 200, PROMETHEUS_TEXT, metrics.scrape());
      } else {
        boolean up;
        try {
          up = healthy.getAsBoolean();
        } catch (RuntimeException e) {
          up = false;
        }
        send(exchange, up ? 200 : 503, "text/plain; charset=utf-8", up ? "ok\n" : "unavailable\n");
      }
    } catch (RuntimeException e) {
      log.warn("metrics request failed: {}", e.toString());
    }
  }

  private static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", contentType);
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  /** The bound port. */
  public int port() {
    return server.getAddress().getPort();
  }

  /** Stops serving at once (a scrape in progress is cut off). */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    try {
      executor.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
