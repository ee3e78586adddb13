package dev.outpost.cache.sql;

import java.util.LinkedHashSet;
import java.util.Set;

/** The mutable facts gathered about one statement while its tokens are walked. */
final class Analysis {

  StatementKind kind = StatementKind.OTHER;
  final Set<TableRef> reads = new LinkedHashSet<>();
  final Set<TableRef> writes = new LinkedHashSet<>();
  final Set<FunctionRef> functions = new LinkedHashSet<>();
  boolean writeTargetsUnknown;
  boolean readTargetsUnknown;
  boolean sqlValueFunction;
  boolean tableSample;
  boolean selectInto;
  boolean dataModifyingCte;
  LockingStrength locking;
  String sessionScopedFeature;

  void lock(LockingStrength strength) {
    locking = locking == null ? strength : locking.max(strength);
  }

  void sessionScoped(String feature) {
    if (sessionScopedFeature == null) {
      sessionScopedFeature = feature;
    }
  }

  /** Writes (and their flags) of {@code inner} happen: merge everything. */
  void mergeExecuted(Analysis inner) {
    mergeReadSide(inner);
    writes.addAll(inner.writes);
    writeTargetsUnknown |= inner.writeTargetsUnknown;
    selectInto |= inner.selectInto;
    dataModifyingCte |= inner.dataModifyingCte;
    if (inner.locking != null) {
      lock(inner.locking);
    }
    if (inner.sessionScopedFeature != null) {
      sessionScoped(inner.sessionScopedFeature);
    }
  }

  /** Only the read side of {@code inner} is relevant (e.g. plain EXPLAIN does not execute it). */
  void mergeReadSide(Analysis inner) {
    reads.addAll(inner.reads);
    functions.addAll(inner.functions);
    readTargetsUnknown |= inner.readTargetsUnknown;
    sqlValueFunction |= inner.sqlValueFunction;
    tableSample |= inner.tableSample;
  }
}
