package dev.outpost.proxy.metrics;

import dev.outpost.cache.CacheStats;
import dev.outpost.cluster.ClusterSnapshot;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's metrics (DESIGN §10.3), over Micrometer's Prometheus registry. One instance per node;
 * the components record into it, {@link MetricsServer} serves it as Prometheus text, and the admin
 * console reads {@link #snapshot()} — the same meters, so the two always agree.
 *
 * <p>Two kinds of numbers:
 * <ul>
 *   <li>events the proxy counts as they happen: queries by database and cache status with their
 *       latency ({@link #database(String)} gives a {@link QueryMetrics} handle to keep per
 *       session), and client connections, rejections and failed logins;
 *   <li>numbers another component already keeps, exported by reading it when scraped: pools
 *       ({@link #bindPool}), the cache ({@link #bindCache}), the cluster ({@link #bindCluster}),
 *       the change feed ({@link #bindChangeFeed}), the text-analysis pool
 *       ({@link #bindTextAnalysis}) and large messages ({@link #bindLargeMessages}). A supplier
 *       that throws is logged once and its last good sample is shown, so counters never go
 *       backwards and a scrape never fails.
 * </ul>
 *
 * <p>Thread-safe. Recording costs an array index and atomic updates; no meter is looked up by
 * name or tags on the hot path.
 */
public final class Metrics implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Metrics.class);

  private final PrometheusMeterRegistry registry;
  private final ConcurrentMap<String, QueryMetrics> databases = new ConcurrentHashMap<>();
  private final AtomicLong connected = new AtomicLong();
  private final Counter accepted;
  private final Counter rejected;
  private final Counter authFailures;
  private final Counter untrackedState;
  private final Counter schemaChanges;
  /** Indexed by waited (0: in flight, 1: waited) * 2 + changed (0 or 1). */
  private final Counter[] columnChecks = new Counter[4];
  private final Map<AbandonedWriteOutcome, Counter> abandonedWrites = new EnumMap<>(AbandonedWriteOutcome.class);
  private final Map<String, SampledBinding<?>> bindings = new HashMap<>();
  private final List<AutoCloseable> jvmBinders = new ArrayList<>();

  /** Metrics with a registry of their own. */
  public Metrics() {
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Gauge.builder("outpost.clients.connected", connected, AtomicLong::get)
        .description("Client connections open now (including those still authenticating)")
        .register(registry);
    accepted = Counter.builder("outpost.client.connections")
        .description("Client connections accepted since start").register(registry);
    rejected = Counter.builder("outpost.client.connections.rejected")
        .description("Client connections refused (max-client-connections, TLS required, shutting down)")
        .register(registry);
    authFailures = Counter.builder("outpost.auth.failures")
        .description("Failed client logins (wrong password, unknown user, database not allowed, auth-timeout)")
        .register(registry);
    for (AbandonedWriteOutcome o : AbandonedWriteOutcome.values()) {
      abandonedWrites.put(o, Counter.builder("outpost.abandoned.writes").tag("outcome", o.label())
          .description("Clients that disconnected while a write of theirs ran at the origin, by how the node saw it"
              + " end: ended (on its own), cancelled (by the node, after abandoned-write-timeout), closed (the origin"
              + " connection broke), cut_short (still running after the cancel: it may commit unseen)")
          .register(registry));
    }
    untrackedState = Counter.builder("outpost.session.untracked.state")
        .description("Statements that may have changed settings or the role where Outpost cannot read them"
            + " (set_config, DO, CALL, SET ROLE ...): the session's cache keys became its own, and a shared"
            + " origin connection is reset before its next use")
        .register(registry);
    for (int i = 0; i < columnChecks.length; i++) {
      columnChecks[i] = Counter.builder("outpost.prepared.column.checks")
          .tag("how", i / 2 == 0 ? "in_flight" : "waited").tag("columns", i % 2 == 0 ? "same" : "changed")
          .description("Fresh copies of a client's prepared statement on an origin connection whose result columns"
              + " were checked against those the client was given: in_flight (described with the execution, a"
              + " harmless read) or waited (the Bind waited one round trip for the answer); changed: the statement"
              + " fails with 0A000 until the client prepares it again")
          .register(registry);
    }
    schemaChanges = Counter.builder("outpost.catalog.schema.changes")
        .description("Schema changes this node heard of (DDL through any node of the cluster, or recorded by the"
            + " change feed's DDL trigger): it flushed the database's cached results and reads the catalog again")
        .register(registry);
  }

  /** The underlying registry, for meters this facade does not cover. */
  public MeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition of every meter (what {@code /metrics} serves). */
  public String scrape() {
    return registry.scrape();
  }

  /** Adds the JVM's memory, GC, thread, class-loading, CPU and uptime meters. */
  public synchronized Metrics bindJvm() {
    if (jvmBinders.isEmpty()) {
      new JvmMemoryMetrics().bindTo(registry);
      new JvmThreadMetrics().bindTo(registry);
      new ClassLoaderMetrics().bindTo(registry);
      new ProcessorMetrics().bindTo(registry);
      new UptimeMetrics().bindTo(registry);
      JvmGcMetrics gc = new JvmGcMetrics();
      gc.bindTo(registry);
      jvmBinders.add(gc);
    }
    return this;
  }

  // ---- events ----------------------------------------------------------------------------------

  /**
   * The query meters of {@code database}, created on first use. Call once per session (after
   * authentication, so that only real databases get meters) and keep the handle.
   */
  public QueryMetrics database(String database) {
    Objects.requireNonNull(database, "database");
    return databases.computeIfAbsent(database, db -> new QueryMetrics(registry, db));
  }

  /** A client socket was accepted (call once per connection, paired with {@link #clientDisconnected()}). */
  public void clientConnected() {
    connected.incrementAndGet();
    accepted.increment();
  }

  /** An accepted client socket closed, whatever the reason. */
  public void clientDisconnected() {
    connected.decrementAndGet();
  }

  /** A client was refused before it could run queries (limit, TLS required, shutting down). */
  public void clientRejected() {
    rejected.increment();
  }

  /** A client failed to log in. */
  public void authFailed() {
    authFailures.increment();
  }

  /** The node heard of a schema change and forgot its catalog facts of that database. */
  public void schemaChanged() {
    schemaChanges.increment();
  }

  /** A write whose client disconnected while it ran has ended, as {@code outcome} says. */
  public void abandonedWriteEnded(AbandonedWriteOutcome outcome) {
    abandonedWrites.get(outcome).increment();
  }

  /** A fresh copy of a prepared statement had its columns checked (see the counter's description). */
  public void preparedColumnsChecked(boolean waited, boolean changed) {
    columnChecks[(waited ? 2 : 0) + (changed ? 1 : 0)].increment();
  }

  /** A session ran something that may have changed settings or the role untracked. */
  public void untrackedStateChanged() {
    untrackedState.increment();
  }

  // ---- bound numbers ---------------------------------------------------------------------------

  /**
   * Exports one origin pool's numbers, read from {@code sampler} at each scrape and snapshot.
   * Binding a pool name again replaces the previous binding.
   */
  public Binding bindPool(String pool, Supplier<PoolSample> sampler) {
    Objects.requireNonNull(pool, "pool");
    return bind("pool:" + pool, sampler, b -> {
      String[] tags = {"pool", pool};
      b.gauge("outpost.pool.max.connections", "The pool's current maximum size", tags, PoolSample::maxSize);
      b.gauge("outpost.pool.connections", "Open origin connections (idle + active)", tags, PoolSample::total);
      b.gauge("outpost.pool.idle.connections", "Idle origin connections", tags, PoolSample::idle);
      b.gauge("outpost.pool.active.connections", "Origin connections serving a client", tags, PoolSample::active);
      b.gauge("outpost.pool.waiting.clients", "Clients waiting for an origin connection", tags, PoolSample::waiting);
      b.counter("outpost.pool.waits", "Acquisitions that had to wait for a connection", tags, PoolSample::waits);
      b.gauge("outpost.pool.oldest.wait.seconds", "How long the first client in the queue has waited so far"
          + " (0 when none waits)", tags, PoolSample::oldestWaitSeconds);
      b.timer("outpost.pool.wait", "Time clients waited in the queue before they got a connection (clients that"
          + " gave up are not in it)", tags, PoolSample::servedWaits, PoolSample::waitedSeconds);
      b.counter("outpost.pool.acquire.timeouts", "Clients that gave up waiting (SQLSTATE 53300)", tags,
          PoolSample::acquireTimeouts);
      b.counter("outpost.origin.connect.failures", "Failed attempts to open an origin connection", tags,
          PoolSample::connectFailures);
      b.counter("outpost.pool.origin.host.moves", "Times the pool moved to another of the origin URL's hosts (the"
          + " server it was on failed or became a standby); the database's cached results are dropped then", tags,
          PoolSample::hostMoves);
    });
  }

  /** Exports the cache's size, evictions and invalidations. Binding again replaces. */
  public Binding bindCache(Supplier<CacheStats> stats) {
    return bind("cache", stats, b -> {
      String[] none = {};
      b.gauge("outpost.cache.entries", "Entries in the query cache", none, CacheStats::entries);
      b.gauge("outpost.cache.bytes", "Bytes held by the query cache", none, CacheStats::bytes);
      b.counter("outpost.cache.evictions", "Entries evicted to respect cache-max-bytes", none, CacheStats::evictions);
      b.counter("outpost.cache.invalidations", "Invalidations applied to the cache", none, CacheStats::invalidations);
    });
  }

  /** Exports the region's membership, the bus's queues and its counters. Binding again replaces. */
  public Binding bindCluster(Supplier<ClusterSnapshot> snapshot) {
    Objects.requireNonNull(snapshot, "snapshot");
    Supplier<MetricsSnapshot.ClusterSample> sampler = () -> MetricsSnapshot.ClusterSample.of(snapshot.get());
    return bind("cluster", sampler, b -> {
      String[] none = {};
      b.gauge("outpost.cluster.members", "Live members of this node's region", none, c -> c.members());
      b.gauge("outpost.cluster.pending.invalidations", "This node's invalidations not yet delivered back by the"
          + " region's order (fills of their tables are kept out of this node's cache meanwhile)", none,
          c -> c.pendingInvalidations());
      b.gauge("outpost.cluster.held.events", "Events numbered in a view this node has not installed yet", none,
          c -> c.heldEvents());
      b.gauge("outpost.cluster.awaited.invalidations", "Invalidations of the previous coordinator's term not yet"
          + " applied in this one (fills of their tables are dropped here meanwhile)", none,
          c -> c.awaitedInvalidations());
      b.counter("outpost.cluster.invalidations.sent", "Invalidations this node published", none,
          c -> c.stats().invalidationsSent());
      b.counter("outpost.cluster.invalidations.received", "Invalidations of other nodes and regions applied here",
          none, c -> c.stats().invalidationsReceived());
      b.counter("outpost.cluster.fills.sent", "Cache fills this node shared with its region", none,
          c -> c.stats().fillsSent());
      b.counter("outpost.cluster.fills.received", "Cache fills of other nodes stored here", none,
          c -> c.stats().fillsReceived());
      b.counter("outpost.cluster.fills.dropped", "Cache fills dropped (out of order, unbound, over a bound)", none,
          c -> c.stats().fillsDropped());
    });
  }

  /** Exports the load of the pool that analyses long statement texts. Binding again replaces. */
  public Binding bindTextAnalysis(Supplier<TextAnalysisLoad> load) {
    return bind("text-analysis", load, b -> {
      String[] none = {};
      b.gauge("outpost.text.analysis.chars", "Characters of long statement texts handed to the text-analysis pool",
          none, TextAnalysisLoad::chars);
      b.gauge("outpost.text.analysis.waiting.clients", "Clients whose long statement text waits for room in the"
          + " text-analysis budget", none, TextAnalysisLoad::waitingClients);
      b.counter("outpost.text.analysis.waits", "Long statement texts that found the text-analysis budget full",
          none, TextAnalysisLoad::waits);
      b.counter("outpost.text.analysis.skipped", "Long statement texts not analysed because their client had gone",
          none, TextAnalysisLoad::skipped);
    });
  }

  /** Exports what large messages (of clients and the origin) hold of the node's memory. Binding again replaces. */
  public Binding bindLargeMessages(Supplier<LargeMessageLoad> load) {
    return bind("large-messages", load, b -> {
      String[] none = {};
      b.gauge("outpost.large.messages.bytes",
          "Bytes held by large messages (of clients and of the origin) being received or forwarded", none,
          LargeMessageLoad::bytes);
      b.gauge("outpost.large.messages.limit.bytes", "Bytes large messages may hold at once", none,
          LargeMessageLoad::limit);
      b.counter("outpost.large.messages.refused", "Large messages refused (SQLSTATE 53200) because the"
          + " node's memory for them was in use", none, LargeMessageLoad::refused);
    });
  }

  /** Exports the change feed's lag. Binding again replaces. */
  public Binding bindChangeFeed(Supplier<ChangeFeedLag> lag) {
    return bind("change-feed", lag, b -> {
      String[] none = {};
      b.gauge("outpost.change.feed.lag.bytes", "WAL bytes the change feed trails the origin by", none,
          ChangeFeedLag::bytes);
      b.gauge("outpost.change.feed.lag.seconds", "Age of the last change the feed applied", none,
          ChangeFeedLag::seconds);
    });
  }

  private synchronized <T> Binding bind(String key, Supplier<T> supplier,
      java.util.function.Consumer<SampledBinding<T>> meters) {
    Objects.requireNonNull(supplier, "supplier");
    SampledBinding<?> old = bindings.remove(key);
    if (old != null) {
      old.removeMeters();
    }
    SampledBinding<T> b = new SampledBinding<>(key, supplier);
    meters.accept(b);
    bindings.put(key, b);
    return b;
  }

  private synchronized void unbind(SampledBinding<?> b) {
    if (bindings.get(b.key) == b) {
      bindings.remove(b.key);
      b.removeMeters();
    }
  }

  // ---- reading back ----------------------------------------------------------------------------

  /** Every number, read now from the same meters {@link #scrape()} exposes. */
  public MetricsSnapshot snapshot() {
    List<MetricsSnapshot.QueryStats> queries = new ArrayList<>();
    for (QueryMetrics q : databases.values()) {
      for (QueryStatus s : QueryStatus.all()) {
        queries.add(new MetricsSnapshot.QueryStats(q.database(), s, q.count(s), q.latency(s)));
      }
    }
    queries.sort(java.util.Comparator.comparing(MetricsSnapshot.QueryStats::database)
        .thenComparing(MetricsSnapshot.QueryStats::status));
    MetricsSnapshot.ClientStats clients = new MetricsSnapshot.ClientStats(connected.get(), (long) accepted.count(),
        (long) rejected.count(), (long) authFailures.count());
    Map<String, PoolSample> pools = new HashMap<>();
    CacheStats cache = null;
    MetricsSnapshot.ClusterSample cluster = null;
    ChangeFeedLag lag = null;
    synchronized (this) {
      for (SampledBinding<?> b : bindings.values()) {
        Object sample = b.sample();
        if (sample == null) {
          continue;
        }
        if (b.key.startsWith("pool:")) {
          pools.put(b.key.substring("pool:".length()), (PoolSample) sample);
        } else if (b.key.equals("cache")) {
          cache = (CacheStats) sample;
        } else if (b.key.equals("cluster")) {
          cluster = (MetricsSnapshot.ClusterSample) sample;
        } else if (b.key.equals("change-feed")) {
          lag = (ChangeFeedLag) sample;
        }
      }
    }
    return new MetricsSnapshot(queries, clients, pools, cache, cluster, lag);
  }

  /** Stops the JVM meters' listeners. The registry stays readable. */
  @Override
  public synchronized void close() {
    for (AutoCloseable c : jvmBinders) {
      try {
        c.close();
      } catch (Exception e) {
        log.debug("closing a JVM metrics binder failed: {}", e.toString());
      }
    }
    jvmBinders.clear();
  }

  /**
   * Meters that read one supplier. The binding holds the supplier strongly (Micrometer holds gauge
   * state only weakly) and falls back to the last good sample when the supplier throws.
   */
  private final class SampledBinding<T> implements Binding {
    private final String key;
    private final Supplier<T> supplier;
    private final List<Meter> meters = new ArrayList<>();
    private volatile T last;
    private volatile boolean warned;

    SampledBinding(String key, Supplier<T> supplier) {
      this.key = key;
      this.supplier = supplier;
    }

    T sample() {
      try {
        T v = supplier.get();
        if (v != null) {
          last = v;
        }
      } catch (RuntimeException e) {
        if (!warned) {
          warned = true;
          log.warn("metrics for {} could not be read, showing the last good values: {}", key, e.toString());
        }
      }
      return last;
    }

    void gauge(String name, String description, String[] tags, ToDoubleFunction<T> value) {
      meters.add(Gauge.builder(name, this, b -> {
        T s = b.sample();
        return s == null ? Double.NaN : value.applyAsDouble(s);
      }).description(description).tags(tags).register(registry));
    }

    void counter(String name, String description, String[] tags, ToDoubleFunction<T> value) {
      meters.add(FunctionCounter.builder(name, this, b -> {
        T s = b.sample();
        return s == null ? 0 : value.applyAsDouble(s);
      }).description(description).tags(tags).register(registry));
    }

    void timer(String name, String description, String[] tags, ToLongFunction<T> count,
        ToDoubleFunction<T> totalSeconds) {
      meters.add(FunctionTimer.builder(name, this, b -> {
        T s = b.sample();
        return s == null ? 0 : count.applyAsLong(s);
      }, b -> {
        T s = b.sample();
        return s == null ? 0 : totalSeconds.applyAsDouble(s);
      }, TimeUnit.SECONDS).description(description).tags(tags).register(registry));
    }

    void removeMeters() {
      meters.forEach(registry::remove);
      meters.clear();
    }

    @Override
    public void close() {
      unbind(this);
    }
  }
}
