package dev.outpost.proxy.catalog;

import java.util.Set;

/**
 * What reading or writing a relation name really involves.
 *
 * @param readDependencies bare names whose changes change what a read of this name returns: the
 *     relation itself, base tables of views (recursively), partitions and inheritance children
 * @param uncacheableReason non-null when a read of this name must never be cached (unknown name,
 *     temporary, foreign, sequence, system catalog, a view using a non-immutable function, …)
 * @param viewVolatility least safe volatility of functions used by views and row-security
 *     policies behind this name
 * @param writeEverything a write to this name may change relations that cannot be listed
 *     (triggers, rules): invalidate the whole database
 * @param writeTargets bare names a write to this name may change (itself, cascading foreign keys,
 *     partitions, base tables of a view)
 * @param readsUnknownTables a view or row-security policy behind this name calls user code that
 *     may read tables pg_depend does not list: a cached read must be invalidated by any write to
 *     its database
 * @param readRunsVolatileCode a view or row-security policy outside the system schemas behind this
 *     name calls a volatile function (set_config() itself, or user code that may call it): a read may
 *     change the session's settings or role without naming anything that does (false for a name the
 *     catalog does not know: a statement naming it fails before it runs anything)
 * @param writeRunsUserCode a trigger, a rule, or a default or CHECK constraint that calls
 *     set_config() or a user-defined volatile function runs when this name is written (false for an
 *     unknown name)
 */
public record RelationFacts(Set<String> readDependencies, String uncacheableReason, Volatility viewVolatility,
    boolean writeEverything, Set<String> writeTargets, boolean readsUnknownTables, boolean readRunsVolatileCode,
    boolean writeRunsUserCode) {

  public RelationFacts {
    readDependencies = Set.copyOf(readDependencies);
    writeTargets = Set.copyOf(writeTargets);
  }
}
