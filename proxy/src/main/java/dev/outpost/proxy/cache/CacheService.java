package dev.outpost.proxy.cache;

import dev.outpost.cache.CacheStatus;
import dev.outpost.cache.Dependencies;
import dev.outpost.cache.Freshness;
import dev.outpost.cache.QueryCache;
import dev.outpost.cache.sql.Classification;
import dev.outpost.cache.sql.ClassificationCache;
import dev.outpost.cache.sql.CodeFacts;
import dev.outpost.cache.sql.FunctionRef;
import dev.outpost.cache.sql.Hints;
import dev.outpost.cache.sql.StatementKind;
import dev.outpost.cache.sql.TableRef;
import dev.outpost.proxy.catalog.CatalogInspector;
import dev.outpost.proxy.catalog.FunctionFacts;
import dev.outpost.proxy.catalog.ImplicitCodeFacts;
import dev.outpost.proxy.catalog.OperatorFacts;
import dev.outpost.proxy.catalog.RelationFacts;
import dev.outpost.proxy.catalog.Volatility;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides, for the node, what may be cached and what a write invalidates (DESIGN §6.1, §6.5,
 * §6.7), from the statement's classification and the origin's catalog.
 *
 * <p>A read is cacheable only if nothing forbids it: caching on for node and query, one
 * read-only statement, no locking clause, no SQL value function, every function it runs
 * IMMUTABLE (STABLE only with a {@code cache} hint) — those it calls, those behind user-defined
 * operators and aggregates, and those of user-defined casts, types and domains it may use — every
 * relation a plain table, materialized view, partitioned table or a view over such (never
 * temporary, foreign, system or unknown), and no table rule that turns caching off. A read that
 * calls user code written in SQL or a PL depends on its whole database. When the catalog facts are not known yet, {@link #planRead} says so
 * (returns null) and starts fetching them: that read goes to the origin uncached, and a later one
 * finds the answer ready — reads never wait for the catalog.
 *
 * <p>A committed write invalidates its target tables, the tables their cascading foreign keys
 * touch, their partitions and a view's base tables; a table with triggers or rules, a write whose
 * targets are unknown (DO, CALL, …), a user-defined volatile function or operator or facts not
 * known yet invalidate the whole database. Thread-safe.
 */
public final class CacheService implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CacheService.class);
  private final QueryCache cache;
  private final CatalogInspector catalog;
  /** Classifications by text, at most 64 MiB of them (tens of thousands of ordinary statements). */
  private final ClassificationCache classifications = new ClassificationCache(64L << 20);
  private volatile CachePolicy policy;
  /** The cache's bus reaches other nodes (a region, and other regions over the relay). */
  private final boolean sharedWithPeers;

  /** A service for a node alone: its cache's bus reaches no other node. */
  public CacheService(QueryCache cache, CatalogInspector catalog, CachePolicy policy) {
    this(cache, catalog, policy, false);
  }

  /**
   * @param sharedWithPeers the cache's bus reaches other nodes, whose caches must hear of this
   *     node's writes even when this node's cache is off
   */
  public CacheService(QueryCache cache, CatalogInspector catalog, CachePolicy policy, boolean sharedWithPeers) {
    this.cache = cache;
    this.catalog = catalog;
    this.policy = policy;
    this.sharedWithPeers = sharedWithPeers;
  }

  public QueryCache cache() {
    return cache;
  }

  public CachePolicy policy() {
    return policy;
  }

  /** See {@link CatalogInspector#changes}: while unchanged, {@link #userCode} answers the same. */
  public long catalogChanges() {
    return catalog.changes();
  }

  /** Replaces the catalog's origin connections to {@code database}, or to all when null (RECONNECT). */
  public void reconnectCatalog(String database) {
    catalog.reconnect(database);
  }

  /** Replaces the policy (reload). */
  public void policy(CachePolicy p) {
    this.policy = p;
  }

  public boolean enabled() {
    return policy.enabled();
  }

  /**
   * Whether the writes that pass through this node are tracked and their invalidations published
   * when they commit: always with the cache on; with it off, when other nodes share the bus. Writes
   * through any node invalidate (DESIGN §6.5), so a node that does not cache must still tell the
   * nodes that do.
   */
  public boolean publishesWrites() {
    return policy.enabled() || sharedWithPeers;
  }

  /** The classification of {@code sql}, memoized by text. */
  public Classification classify(String sql) {
    return classifications.classify(sql);
  }

  /** What {@code sql} may run and change, memoized by its shape (see {@link ClassificationCache#codeFacts}). */
  public CodeFacts codeFacts(String sql) {
    return classifications.codeFacts(sql);
  }

  /**
   * The plan for a read, or null when catalog facts are still being fetched (then the read must
   * go to the origin uncached; the facts will be ready for the next one).
   *
   * @param sessionCacheOn false after {@code SET outpost.cache = off} in the session
   */
  public ReadPlan planRead(CatalogInspector.Login login, Classification c, boolean sessionCacheOn) {
    long generation = catalog.generation(); // before any fact is read
    CachePolicy p = policy;
    Hints hints = c.hints();
    if (!p.enabled()) {
      return ReadPlan.refuse(CacheStatus.BYPASS, "caching is off for this node");
    }
    if (!sessionCacheOn || hints.bypass()) {
      return ReadPlan.refuse(CacheStatus.BYPASS, hints.bypass() ? "outpost:nocache hint" : "outpost.cache is off");
    }
    if (c.isMultiStatement()) {
      return ReadPlan.refuse(CacheStatus.MULTISTATEMENT, "more than one statement");
    }
    if (c.kind() == StatementKind.WRITE || c.dataModifyingCte() || c.selectInto()) {
      return ReadPlan.refuse(CacheStatus.WRITE, "the statement writes");
    }
    if (c.kind() != StatementKind.READ || c.malformed()) {
      return ReadPlan.refuse(CacheStatus.UNCACHEABLE, "not a read-only query");
    }
    if (c.lockingClause().isPresent()) {
      return ReadPlan.refuse(CacheStatus.UNCACHEABLE, "locking clause");
    }
    if (c.usesSqlValueFunction() || c.tableSample()) {
      return ReadPlan.refuse(CacheStatus.VOLATILE, c.tableSample() ? "TABLESAMPLE"
          : "SQL value function or a date/time literal such as 'now'");
    }
    boolean force = hints.forceCache();
    List<CompletableFuture<FunctionFacts>> functions = new ArrayList<>();
    for (FunctionRef f : c.functionCalls()) {
      functions.add(catalog.function(login, f.schema(), f.name()));
    }
    List<CompletableFuture<RelationFacts>> relations = new ArrayList<>();
    for (TableRef t : c.readTables()) {
      relations.add(catalog.relation(login, t));
    }
    CompletableFuture<OperatorFacts> operatorFacts = c.operators().isEmpty() ? null : catalog.operators(login);
    Volatility implicit = implicitCode(login, CodeFacts.of(c));
    if (implicit == null) {
      return null;
    }
    if (implicit == Volatility.VOLATILE || (implicit == Volatility.STABLE && !force)) {
      return ReadPlan.refuse(CacheStatus.VOLATILE, "may run a " + implicit.name().toLowerCase(Locale.ROOT)
          + " function of a user-defined cast, type or domain");
    }
    Volatility volatility = Volatility.IMMUTABLE;
    // user code in SQL or a PL may read any table: its result then depends on the whole database
    boolean readsUnknown = c.readTargetsUnknown();
    for (CompletableFuture<FunctionFacts> f : functions) {
      FunctionFacts facts = ready(f);
      if (facts == null) {
        return null;
      }
      volatility = volatility.max(facts.volatility());
      readsUnknown |= facts.readsTables();
    }
    if (operatorFacts != null) {
      OperatorFacts operators = ready(operatorFacts);
      if (operators == null) {
        return null;
      }
      for (String op : c.operators()) {
        volatility = volatility.max(operators.volatility(op));
        readsUnknown |= operators.readsTables(op);
      }
    }
    Set<String> deps = Set.of(); // one relation's set as it is, a union of several in a new set
    for (CompletableFuture<RelationFacts> r : relations) {
      RelationFacts facts = ready(r);
      if (facts == null) {
        return null;
      }
      if (facts.uncacheableReason() != null) {
        return ReadPlan.refuse(CacheStatus.UNCACHEABLE, facts.uncacheableReason());
      }
      volatility = volatility.max(facts.viewVolatility());
      readsUnknown |= facts.readsUnknownTables();
      if (deps.isEmpty()) {
        deps = facts.readDependencies();
      } else {
        Set<String> union = new LinkedHashSet<>(deps);
        union.addAll(facts.readDependencies());
        deps = union;
      }
    }
    if (volatility == Volatility.VOLATILE || (volatility == Volatility.STABLE && !force)) {
      return ReadPlan.refuse(CacheStatus.VOLATILE, "calls a " + volatility.name().toLowerCase(Locale.ROOT)
          + " function");
    }
    Dependencies dependencies = readsUnknown ? Dependencies.ALL : new Dependencies(false, deps);
    if (p.disabledFor(dependencies)) {
      return ReadPlan.refuse(CacheStatus.BYPASS, "a cache rule turns caching off for one of its tables");
    }
    Freshness freshness = p.freshnessFor(dependencies);
    if (hints.maxAge().isPresent() || hints.staleWhileRevalidate().isPresent()) {
      freshness = new Freshness(hints.maxAge().orElse(freshness.maxAge()),
          hints.staleWhileRevalidate().orElse(freshness.staleWhileRevalidate()));
    }
    return ReadPlan.cacheable(dependencies, freshness, generation);
  }

  /**
   * True when a schema change made the node forget catalog facts after {@code plan} was made: the
   * plan may rest on facts that no longer hold (a function that became volatile), so its result must
   * not be stored. A fill that began before the schema change's invalidation took effect is dropped
   * by the cache's sequence rule; this covers the one that began after it with a plan made before.
   */
  public boolean catalogChangedSince(ReadPlan plan) {
    return catalog.generation() != plan.catalogGeneration();
  }

  private static <T> T ready(CompletableFuture<T> f) {
    if (!f.isDone() || f.isCompletedExceptionally()) {
      return null;
    }
    return f.join();
  }

  /**
   * What a committed statement invalidates. Starts fetching catalog facts if needed; when they are
   * not ready, answers "everything" (correct, only less selective).
   */
  public WriteSet writeSet(CatalogInspector.Login login, Classification c) {
    boolean writes = c.kind() == StatementKind.WRITE || c.dataModifyingCte() || c.selectInto();
    // whatever its kind: EXECUTE of an SQL-level prepared statement and COMMIT PREPARED are no
    // writes by their words but may commit anything
    if (c.writeTargetsUnknown()) {
      return new WriteSet(true, Set.of(), isDdl(c));
    }
    Set<String> tables = new LinkedHashSet<>();
    boolean everything = false;
    if (writes) {
      for (TableRef t : c.writeTables()) {
        RelationFacts facts = ready(catalog.relation(login, t));
        if (facts == null || facts.writeEverything()) {
          everything = true;
        } else {
          tables.addAll(facts.writeTargets());
        }
        tables.add(t.name());
      }
    }
    for (FunctionRef f : c.functionCalls()) {
      FunctionFacts facts = ready(catalog.function(login, f.schema(), f.name()));
      if (facts == null || facts.userVolatile()) {
        everything = true;
      }
    }
    if (!everything && !c.operators().isEmpty()) {
      OperatorFacts operators = ready(catalog.operators(login));
      everything = operators == null || c.operators().stream()
          .anyMatch(op -> operators.volatility(op) == Volatility.VOLATILE);
    }
    if (!everything) {
      Volatility implicit = implicitCode(login, CodeFacts.of(c));
      everything = implicit == null || implicit == Volatility.VOLATILE;
    }
    boolean ddl = isDdl(c);
    if (everything) {
      return new WriteSet(true, Set.of(), ddl);
    }
    return tables.isEmpty() && !ddl ? WriteSet.NOTHING : new WriteSet(false, tables, ddl);
  }

  /** What the functions a statement calls may do to the session's settings and role. */
  public enum UserCode {
    /** Only functions of pg_catalog, or user-defined ones that are not volatile. */
    NONE,
    /**
     * A user-defined volatile function or operator, or one behind a user-defined cast, type or
     * domain the statement may use, or a volatile function behind a view or row-security policy
     * it reads, or a trigger, rule, default or constraint of a table it writes: it may call
     * set_config() or change the role.
     */
    VOLATILE,
    /** The catalog has not described every function or operator yet (the lookup has started). */
    NOT_KNOWN_YET
  }

  /**
   * Whether {@code c} calls a user-defined volatile function, directly or through an operator,
   * which may change settings or the role behind Outpost's back as set_config() does.
   * pg_catalog's own functions do not count: set_config() itself is found by the classifier.
   */
  public UserCode userCode(CatalogInspector.Login login, CodeFacts c) {
    return userCode(login, c, true);
  }

  /**
   * As {@link #userCode(CatalogInspector.Login, CodeFacts)}; with {@code relationsMustBeKnown}
   * false, relations the catalog has not described yet do not make the answer NOT_KNOWN_YET (only
   * those described count). A dedicated backend's session passes false: it keeps its backend, and
   * waiting for every relation after each schema change kept most of its reads from the cache.
   */
  public UserCode userCode(CatalogInspector.Login login, CodeFacts c, boolean relationsMustBeKnown) {
    Volatility implicit = implicitCode(login, c);
    if (implicit == Volatility.VOLATILE) {
      return UserCode.VOLATILE;
    }
    UserCode answer = implicit == null ? UserCode.NOT_KNOWN_YET : UserCode.NONE;
    if (!c.operators().isEmpty()) {
      OperatorFacts operators = ready(catalog.operators(login));
      if (operators == null) {
        answer = UserCode.NOT_KNOWN_YET;
      } else {
        for (String op : c.operators()) {
          if (operators.volatility(op) == Volatility.VOLATILE) {
            return UserCode.VOLATILE;
          }
        }
      }
    }
    for (FunctionRef f : c.functionCalls()) {
      if ("pg_catalog".equalsIgnoreCase(f.schema())) {
        continue;
      }
      FunctionFacts facts = ready(catalog.function(login, f.schema(), f.name()));
      if (facts == null) {
        answer = UserCode.NOT_KNOWN_YET;
      } else if (facts.userVolatile()) {
        return UserCode.VOLATILE;
      }
    }
    // code the text does not name: a view or row-security policy that calls a volatile function
    // (set_config() itself, or user code), a trigger, rule, default or constraint of a written table
    for (TableRef t : c.readTables()) {
      RelationFacts facts = relationFacts(login, t, relationsMustBeKnown);
      if (facts == null) {
        answer = relationsMustBeKnown ? UserCode.NOT_KNOWN_YET : answer;
      } else if (facts.readRunsVolatileCode()) {
        return UserCode.VOLATILE;
      }
    }
    for (TableRef t : c.writeTables()) {
      RelationFacts facts = relationFacts(login, t, relationsMustBeKnown);
      if (facts == null) {
        answer = relationsMustBeKnown ? UserCode.NOT_KNOWN_YET : answer;
      } else if (facts.writeRunsUserCode() || facts.readRunsVolatileCode()) {
        return UserCode.VOLATILE;
      }
    }
    return answer;
  }

  /** Whether running a statement once more changes anything a client could notice. */
  public enum Repeat {
    /** A read of non-volatile code only: running it again changes nothing. */
    HARMLESS,
    /** It writes, changes the session, or calls volatile code (nextval(), a writing function …). */
    HAS_EFFECTS,
    /** The catalog has not described all its code yet (the lookups have started). */
    NOT_KNOWN_YET
  }

  /**
   * Whether running {@code c} once more, outside a transaction block, changes nothing a client
   * could notice: HARMLESS for a read whose every function and operator the catalog calls
   * non-volatile, pg_catalog's own included (nextval(), pg_advisory_lock() and pg_notify() are
   * volatile), that reads no view or row-security policy using a volatile function, and runs no
   * volatile code behind a cast, type or domain.
   */
  public Repeat repeat(CatalogInspector.Login login, CodeFacts c) {
    if (c.kind() != StatementKind.READ || c.writes() || c.untrackedStateChange().isPresent()) {
      return Repeat.HAS_EFFECTS;
    }
    boolean known = true; // every lookup is started, not only the first missing one
    Volatility implicit = implicitCode(login, c);
    if (implicit == Volatility.VOLATILE) {
      return Repeat.HAS_EFFECTS;
    }
    known &= implicit != null;
    if (!c.operators().isEmpty()) {
      OperatorFacts operators = ready(catalog.operators(login));
      if (operators != null && c.operators().stream().anyMatch(op -> operators.volatility(op) == Volatility.VOLATILE)) {
        return Repeat.HAS_EFFECTS;
      }
      known &= operators != null;
    }
    for (FunctionRef f : c.functionCalls()) {
      FunctionFacts facts = ready(catalog.function(login, f.schema(), f.name()));
      if (facts != null && (!facts.found() || facts.volatility() == Volatility.VOLATILE)) {
        return Repeat.HAS_EFFECTS;
      }
      known &= facts != null;
    }
    for (TableRef t : c.readTables()) {
      RelationFacts facts = ready(catalog.relation(login, t));
      if (facts != null && (facts.readRunsVolatileCode() || facts.viewVolatility() == Volatility.VOLATILE)) {
        return Repeat.HAS_EFFECTS;
      }
      known &= facts != null;
    }
    return known ? Repeat.HARMLESS : Repeat.NOT_KNOWN_YET;
  }

  /** A relation's facts: looked up if they must be known, else only if they already are. */
  private RelationFacts relationFacts(CatalogInspector.Login login, TableRef t, boolean mustBeKnown) {
    return mustBeKnown ? ready(catalog.relation(login, t)) : catalog.relationIfKnown(login, t);
  }

  /**
   * The least safe volatility of the user code {@code c} may run without naming it (see {@link
   * ImplicitCodeFacts}), or null while the catalog has not said. Transaction control, session
   * statements (SET, DISCARD …; SQL EXECUTE is an untracked state change of its own) and empty
   * texts run none; a read — or SHOW, EXPLAIN, COPY … TO, a cursor — runs what its text names or
   * any statement runs; a write may store values of any type, so it counts all of it.
   */
  private Volatility implicitCode(CatalogInspector.Login login, CodeFacts c) {
    StatementKind kind = c.kind();
    if (kind == StatementKind.EMPTY || kind == StatementKind.TRANSACTION || kind == StatementKind.SESSION) {
      return Volatility.IMMUTABLE;
    }
    ImplicitCodeFacts facts = ready(catalog.implicitCode(login));
    if (facts == null) {
      return null;
    }
    return c.writes() ? facts.forWrite() : facts.forRead(c.mentionText());
  }

  /**
   * True when a statement of the text changes the catalog (so catalog facts must be forgotten
   * everywhere): see {@link Classification#schemaChange()}, decided when the text was classified.
   */
  public static boolean isDdl(Classification c) {
    return c.schemaChange();
  }

  /**
   * Forgets this node's catalog facts about {@code database}: a schema change went through a node
   * whose cache is off (with the cache on, {@link #invalidate} of the committed change does it on
   * every node).
   */
  public void forgetCatalog(String database) {
    catalog.forget(database);
  }

  /**
   * Applies a committed transaction's writes: removes affected entries before returning. DDL
   * invalidates the whole database and, on every node of the cluster, the catalog facts (a new
   * trigger, a function's volatility, a view's definition: any of them may change what is
   * cacheable and what a write invalidates).
   */
  public void invalidate(String database, WriteSet writes) {
    if (writes.ddl()) {
      cache.invalidateSchema(database); // the schema listener forgets this node's catalog facts
    } else if (writes.everything()) {
      cache.invalidateAll(database);
    } else if (!writes.tables().isEmpty()) {
      List<TableRef> refs = new ArrayList<>();
      for (String t : writes.tables()) {
        refs.add(TableRef.of(t));
      }
      cache.invalidate(database, refs);
    }
    if (log.isTraceEnabled()) {
      log.trace("invalidated {} in {}", writes, database);
    }
  }

  @Override
  public void close() {
    catalog.close();
  }
}
