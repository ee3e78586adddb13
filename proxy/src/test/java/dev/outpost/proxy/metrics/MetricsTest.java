package dev.outpost.proxy.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.outpost.cache.CacheStats;
import dev.outpost.cache.CacheStatus;
import dev.outpost.cluster.ClusterSnapshot;
import dev.outpost.cluster.ClusterStats;
import dev.outpost.cluster.RelayStatus;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class MetricsTest {
  private final Metrics metrics = new Metrics();

  private PrometheusText scrape() {
    return PrometheusText.parse(metrics.scrape());
  }

  private static ClusterStats clusterStats(long fillsSent, long invalidationsSent) {
    return new ClusterStats(fillsSent, 0, 7, 1, invalidationsSent, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  }

  private static ClusterSnapshot cluster(int members, int pending, int held, int awaited, ClusterStats stats) {
    List<String> names = java.util.stream.IntStream.rangeClosed(1, members).mapToObj(i -> "n" + i).toList();
    return new ClusterSnapshot("eu", "n1", "outpost-eu", 4, names, "n1", true, "4:9", pending, held, awaited,
        RelayStatus.DISABLED, stats);
  }

  @Test
  void record_countsQueriesPerDatabaseAndStatus() {
    QueryMetrics shop = metrics.database("shop");
    shop.record(CacheStatus.HIT, 100_000);
    shop.record(CacheStatus.HIT, 120_000);
    shop.record(CacheStatus.MISS, 40_000_000);
    metrics.database("crm").recordPassthrough(1_000_000);

    MetricsSnapshot s = metrics.snapshot();
    assertThat(s.queries("shop", QueryStatus.HIT)).isEqualTo(2);
    assertThat(s.queries("shop", QueryStatus.MISS)).isEqualTo(1);
    assertThat(s.queries("shop", QueryStatus.STALE)).isZero();
    assertThat(s.queries(QueryStatus.PASSTHROUGH)).isEqualTo(1);
    assertThat(s.queries("shop")).isEqualTo(3);
    assertThat(s.databases()).containsExactly("crm", "shop");
    PrometheusText text = scrape();
    assertThat(text.value("outpost_queries_total", "database", "shop", "status", "hit")).isEqualTo(2);
    assertThat(text.value("outpost_queries_total", "database", "shop", "status", "oversized")).isZero();
    assertThat(text.value("outpost_query_duration_seconds_count", "database", "shop", "status", "miss")).isEqualTo(1);
  }

  @Test
  void database_calledTwice_returnsTheSameHandle() {
    assertThat(metrics.database("shop")).isSameAs(metrics.database("shop"));
  }

  @Test
  void queryStatus_coversEveryCacheStatus() {
    for (CacheStatus s : CacheStatus.values()) {
      assertThat(QueryStatus.of(s).name()).isEqualTo(s.name());
    }
    assertThat(QueryStatus.PASSTHROUGH.label()).isEqualTo("passthrough");
  }

  @Test
  void latency_ofKnownTimes_estimatesQuantilesInsideTheirBuckets() {
    QueryMetrics q = metrics.database("shop");
    for (int i = 0; i < 90; i++) {
      q.record(CacheStatus.HIT, TimeUnit.MICROSECONDS.toNanos(300));
    }
    for (int i = 0; i < 10; i++) {
      q.record(CacheStatus.MISS, TimeUnit.MILLISECONDS.toNanos(30));
    }

    Latency all = metrics.snapshot().latency("shop");

    assertThat(all.count()).isEqualTo(100);
    assertThat(all.meanSeconds()).isCloseTo(0.9 * 0.0003 + 0.1 * 0.03, within(1e-9));
    assertThat(all.quantileSeconds(0.5)).isBetween(0.0002, 0.0005);
    assertThat(all.quantileSeconds(0.99)).isBetween(0.02, 0.05);
    assertThat(Latency.EMPTY.quantileSeconds(0.99)).isZero();
  }

  @Test
  void latency_beyondTheLastBucket_isTheLastBound() {
    metrics.database("shop").record(CacheStatus.MISS, TimeUnit.SECONDS.toNanos(100));

    assertThat(metrics.snapshot().latency("shop").quantileSeconds(0.5)).isEqualTo(60);
  }

  @Test
  void clients_eventsAreCountedAndReadBack() {
    metrics.clientConnected();
    metrics.clientConnected();
    metrics.clientDisconnected();
    metrics.clientRejected();
    metrics.authFailed();

    assertThat(metrics.snapshot().clients()).isEqualTo(new MetricsSnapshot.ClientStats(1, 2, 1, 1));
    PrometheusText text = scrape();
    assertThat(text.value("outpost_clients_connected")).isEqualTo(1);
    assertThat(text.value("outpost_client_connections_total")).isEqualTo(2);
    assertThat(text.value("outpost_client_connections_rejected_total")).isEqualTo(1);
    assertThat(text.value("outpost_auth_failures_total")).isEqualTo(1);
  }

  @Test
  void bindPool_exportsItsNumbersUntilClosed() {
    AtomicReference<PoolSample> sample = new AtomicReference<>(new PoolSample(20, 5, 3, 2, 0, 1, 0, 0, 0, 0, 0, 0));
    Binding b = metrics.bindPool("app@shop", sample::get);
    sample.set(new PoolSample(20, 6, 1, 5, 4, 9, 2, 3, 1.5, 6, 0.75, 0));

    PrometheusText text = scrape();
    assertThat(text.value("outpost_pool_connections", "pool", "app@shop")).isEqualTo(6);
    assertThat(text.value("outpost_pool_idle_connections", "pool", "app@shop")).isEqualTo(1);
    assertThat(text.value("outpost_pool_active_connections", "pool", "app@shop")).isEqualTo(5);
    assertThat(text.value("outpost_pool_waiting_clients", "pool", "app@shop")).isEqualTo(4);
    assertThat(text.value("outpost_pool_max_connections", "pool", "app@shop")).isEqualTo(20);
    assertThat(text.value("outpost_pool_waits_total", "pool", "app@shop")).isEqualTo(9);
    assertThat(text.value("outpost_pool_acquire_timeouts_total", "pool", "app@shop")).isEqualTo(2);
    assertThat(text.value("outpost_origin_connect_failures_total", "pool", "app@shop")).isEqualTo(3);
    assertThat(text.value("outpost_pool_oldest_wait_seconds", "pool", "app@shop")).isEqualTo(1.5);
    assertThat(text.value("outpost_pool_wait_seconds_count", "pool", "app@shop")).isEqualTo(6);
    assertThat(text.value("outpost_pool_wait_seconds_sum", "pool", "app@shop")).isEqualTo(0.75);
    assertThat(metrics.snapshot().pools()).containsExactly(Map.entry("app@shop", sample.get()));

    b.close();

    assertThat(scrape().has("outpost_pool_connections")).isFalse();
    assertThat(metrics.snapshot().pools()).isEmpty();
  }

  @Test
  void bindPool_sameNameAgain_replacesTheFirstBinding() {
    Binding first = metrics.bindPool("p", () -> new PoolSample(1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    metrics.bindPool("p", () -> new PoolSample(2, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    first.close();

    assertThat(scrape().value("outpost_pool_connections", "pool", "p")).isEqualTo(2);
  }

  @Test
  void boundSupplierThatThrows_showsItsLastGoodSample() {
    AtomicReference<PoolSample> sample = new AtomicReference<>(new PoolSample(4, 4, 4, 0, 0, 7, 0, 0, 0, 0, 0, 0));
    metrics.bindPool("p", () -> {
      PoolSample s = sample.get();
      if (s == null) {
        throw new IllegalStateException("pool closed");
      }
      return s;
    });
    assertThat(scrape().value("outpost_pool_waits_total", "pool", "p")).isEqualTo(7);
    sample.set(null);

    assertThat(scrape().value("outpost_pool_waits_total", "pool", "p")).isEqualTo(7);
  }

  @Test
  void bindCacheClusterAndChangeFeed_exportTheirNumbers() {
    CacheStats cache = new CacheStats(Map.of(), 12, 4096, 3, 0, 0, 5, 0, 0, 0);
    metrics.bindCache(() -> cache);
    metrics.bindCluster(() -> cluster(3, 2, 1, 5, clusterStats(8, 6)));
    metrics.bindChangeFeed(() -> new ChangeFeedLag(2048, 1.5));

    PrometheusText text = scrape();
    assertThat(text.value("outpost_cache_entries")).isEqualTo(12);
    assertThat(text.value("outpost_cache_bytes")).isEqualTo(4096);
    assertThat(text.value("outpost_cache_evictions_total")).isEqualTo(3);
    assertThat(text.value("outpost_cache_invalidations_total")).isEqualTo(5);
    assertThat(text.value("outpost_cluster_members")).isEqualTo(3);
    assertThat(text.value("outpost_cluster_pending_invalidations")).isEqualTo(2);
    assertThat(text.value("outpost_cluster_held_events")).isEqualTo(1);
    assertThat(text.value("outpost_cluster_awaited_invalidations")).isEqualTo(5);
    assertThat(text.value("outpost_cluster_fills_sent_total")).isEqualTo(8);
    assertThat(text.value("outpost_cluster_fills_received_total")).isEqualTo(7);
    assertThat(text.value("outpost_cluster_fills_dropped_total")).isEqualTo(1);
    assertThat(text.value("outpost_cluster_invalidations_sent_total")).isEqualTo(6);
    assertThat(text.value("outpost_cluster_invalidations_received_total")).isEqualTo(4);
    assertThat(text.value("outpost_change_feed_lag_bytes")).isEqualTo(2048);
    assertThat(text.value("outpost_change_feed_lag_seconds")).isEqualTo(1.5);
    MetricsSnapshot s = metrics.snapshot();
    assertThat(s.cache()).isEqualTo(cache);
    assertThat(s.cluster().members()).isEqualTo(3);
    assertThat(s.cluster().awaitedInvalidations()).isEqualTo(5);
    assertThat(s.changeFeed()).isEqualTo(new ChangeFeedLag(2048, 1.5));
  }

  @Test
  void scrape_ofEveryKindOfMeter_isValidExpositionTextWithUnitsInTheNames() {
    metrics.bindJvm();
    metrics.database("shop").record(CacheStatus.STALE, 5_000_000);
    metrics.clientConnected();
    metrics.bindPool("p", () -> new PoolSample(1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    metrics.bindCache(() -> new CacheStats(Map.of(), 1, 1, 0, 0, 0, 0, 0, 0, 0));
    metrics.bindCluster(() -> cluster(1, 0, 0, 0, clusterStats(0, 0)));
    metrics.bindChangeFeed(() -> new ChangeFeedLag(0, 0));

    PrometheusText text = scrape();

    assertThat(text.types).isNotEmpty();
    text.types.forEach((family, type) -> {
      if (!family.startsWith("outpost_")) {
        return;
      }
      switch (type) {
        case "counter" -> assertThat(family).as(family).endsWith("_total");
        case "histogram" -> assertThat(family).as(family).endsWith("_seconds");
        default -> assertThat(family).as(family).matches(
            ".*_(seconds|bytes|connections|clients|entries|members|connected|max|events|invalidations)$");
      }
    });
    assertThat(text.types).containsEntry("outpost_query_duration_seconds", "histogram");
    assertThat(text.has("jvm_memory_used_bytes")).isTrue();
  }

  @Test
  void snapshot_agreesWithTheScrapedText() {
    QueryMetrics q = metrics.database("shop");
    for (int i = 0; i < 5; i++) {
      q.record(CacheStatus.HIT, 200_000);
    }
    q.record(CacheStatus.WRITE, 30_000_000);

    MetricsSnapshot s = metrics.snapshot();
    PrometheusText text = scrape();

    for (MetricsSnapshot.QueryStats st : s.queries()) {
      String[] labels = {"database", st.database(), "status", st.status().label()};
      assertThat(text.value("outpost_queries_total", labels)).as(st.toString()).isEqualTo(st.count());
      assertThat(text.value("outpost_query_duration_seconds_count", labels)).isEqualTo(st.latency().count());
      assertThat(text.value("outpost_query_duration_seconds_sum", labels))
          .isCloseTo(st.latency().sumSeconds(), within(1e-9));
      assertThat(text.value("outpost_query_duration_seconds_bucket",
          "database", st.database(), "status", st.status().label(), "le", Double.toString(0.0002)))
          .isEqualTo(st.latency().cumulativeCount(2));
    }
  }
}
