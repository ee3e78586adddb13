package dev.outpost.proxy.metrics;

import dev.outpost.cache.CacheStats;
import dev.outpost.cluster.ClusterSnapshot;
import dev.outpost.cluster.ClusterStats;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The node's numbers at one moment, read from the same meters {@code /metrics} exposes, for the
 * admin console's {@code SHOW STATS}, {@code SHOW POOLS}, {@code SHOW CACHE} and {@code SHOW CLUSTER}
 * (so that the console and a dashboard never disagree). Immutable.
 *
 * @param queries per database and status, every status of every database seen (zeros included)
 * @param clients client connection counts
 * @param pools each bound pool's numbers, by pool name
 * @param cache the cache's numbers, or null when no cache is bound
 * @param cluster the cluster's numbers, or null when the node runs alone
 * @param changeFeed the change feed's lag, or null when there is no feed
 */
public record MetricsSnapshot(List<QueryStats> queries, ClientStats clients, Map<String, PoolSample> pools,
    CacheStats cache, ClusterSample cluster, ChangeFeedLag changeFeed) {

  /** Copies the collections. */
  public MetricsSnapshot {
    queries = List.copyOf(queries);
    Objects.requireNonNull(clients, "clients");
    pools = Collections.unmodifiableMap(new TreeMap<>(pools));
  }

  /**
   * One database's queries with one status.
   *
   * @param database the database
   * @param status the status label
   * @param count queries counted ({@code outpost_queries_total})
   * @param latency their latency histogram ({@code outpost_query_duration_seconds})
   */
  public record QueryStats(String database, QueryStatus status, long count, Latency latency) {
    /** Rejects nulls. */
    public QueryStats {
      Objects.requireNonNull(database, "database");
      Objects.requireNonNull(status, "status");
      Objects.requireNonNull(latency, "latency");
    }
  }

  /**
   * Client connections.
   *
   * @param connected open now ({@code outpost_clients_connected})
   * @param accepted accepted since start ({@code outpost_client_connections_total})
   * @param rejected refused since start ({@code outpost_client_connections_rejected_total})
   * @param authFailures failed logins since start ({@code outpost_auth_failures_total})
   */
  public record ClientStats(long connected, long accepted, long rejected, long authFailures) {}

  /**
   * The cluster as the node sees it.
   *
   * @param members live members of the region ({@code outpost_cluster_members})
   * @param pendingInvalidations own invalidations not yet delivered back
   *     ({@code outpost_cluster_pending_invalidations})
   * @param heldEvents events held for a view not installed here yet ({@code outpost_cluster_held_events})
   * @param awaitedInvalidations invalidations of the previous term not yet applied in this one
   *     ({@code outpost_cluster_awaited_invalidations})
   * @param stats the bus counters
   */
  public record ClusterSample(int members, int pendingInvalidations, int heldEvents, int awaitedInvalidations,
      ClusterStats stats) {
    /** The sample of one {@code SHOW CLUSTER} snapshot. */
    public static ClusterSample of(ClusterSnapshot s) {
      return new ClusterSample(s.members().size(), s.pendingInvalidations(), s.heldEvents(), s.awaitedInvalidations(),
          s.stats());
    }

    /** Rejects a missing stats record. */
    public ClusterSample {
      Objects.requireNonNull(stats, "stats");
    }
  }

  /** The databases with query meters, sorted. */
  public List<String> databases() {
    TreeSet<String> dbs = new TreeSet<>();
    queries.forEach(q -> dbs.add(q.database()));
    return List.copyOf(dbs);
  }

  /** Queries with {@code status} over all databases. */
  public long queries(QueryStatus status) {
    return queries.stream().filter(q -> q.status() == status).mapToLong(QueryStats::count).sum();
  }

  /** Queries with {@code status} on {@code database} (0 when the database has none). */
  public long queries(String database, QueryStatus status) {
    return queries.stream().filter(q -> q.status() == status && q.database().equals(database))
        .mapToLong(QueryStats::count).sum();
  }

  /** All queries on {@code database}. */
  public long queries(String database) {
    return queries.stream().filter(q -> q.database().equals(database)).mapToLong(QueryStats::count).sum();
  }

  /** The latency of all queries on {@code database}, every status together. */
  public Latency latency(String database) {
    Latency sum = Latency.EMPTY;
    for (QueryStats q : queries) {
      if (q.database().equals(database)) {
        sum = sum.plus(q.latency());
      }
    }
    return sum;
  }
}
