package dev.outpost.proxy.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.cache.CacheStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The {@code --metrics} endpoint over a real loopback socket. */
class MetricsServerIT {
  private final Metrics metrics = new Metrics();
  private final AtomicBoolean up = new AtomicBoolean(true);
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private MetricsServer server;

  @BeforeEach
  void start() throws Exception {
    server = MetricsServer.start("127.0.0.1", 0, metrics, up::get);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpResponse<String> request(String method, String path) throws Exception {
    HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build();
    return http.send(r, HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void getMetrics_servesPrometheusTextWithTheCountersRecorded() throws Exception {
    metrics.bindJvm();
    metrics.database("shop").record(CacheStatus.HIT, 150_000);
    metrics.database("shop").record(CacheStatus.HIT, 150_000);
    metrics.clientConnected();

    HttpResponse<String> r = request("GET", "/metrics");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
    PrometheusText text = PrometheusText.parse(r.body());
    assertThat(text.value("outpost_queries_total", "database", "shop", "status", "hit")).isEqualTo(2);
    assertThat(text.value("outpost_client_connections_total")).isEqualTo(1);
    assertThat(text.value("outpost_queries_total", "database", "shop", "status", "hit"))
        .isEqualTo(metrics.snapshot().queries("shop", QueryStatus.HIT));
  }

  @Test
  void getMetrics_afterMoreQueries_showsTheNewCount() throws Exception {
    QueryMetrics q = metrics.database("shop");
    q.record(CacheStatus.MISS, 1_000_000);
    double before = PrometheusText.parse(request("GET", "/metrics").body())
        .value("outpost_queries_total", "database", "shop", "status", "miss");
    q.record(CacheStatus.MISS, 1_000_000);
    q.record(CacheStatus.MISS, 1_000_000);

    double after = PrometheusText.parse(request("GET", "/metrics").body())
        .value("outpost_queries_total", "database", "shop", "status", "miss");

    assertThat(before).isEqualTo(1);
    assertThat(after).isEqualTo(3);
  }

  @Test
  void getHealth_whileUp_isOk_andWhileDown_isUnavailable() throws Exception {
    HttpResponse<String> ok = request("GET", "/health");
    up.set(false);
    HttpResponse<String> down = request("GET", "/health");

    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.body()).isEqualTo("ok\n");
    assertThat(down.statusCode()).isEqualTo(503);
    assertThat(down.body()).isEqualTo("unavailable\n");
  }

  @Test
  void unknownPathOrMethod_isRefused() throws Exception {
    assertThat(request("GET", "/").statusCode()).isEqualTo(404);
    assertThat(request("GET", "/metricsx").statusCode()).isEqualTo(404);
    HttpResponse<String> post = request("POST", "/metrics");
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
  }

  @Test
  void head_answersWithoutABody() throws Exception {
    HttpResponse<String> r = request("HEAD", "/health");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEmpty();
  }
}
