package dev.outpost.cache.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/** One row of the classifier table: a SQL text and everything its classification must be. */
final class ClassificationCase {

  /** Boolean facts of a classification; a row lists those that must hold, all others must not. */
  enum Flag {
    WRITE_UNKNOWN(Classification::writeTargetsUnknown),
    READ_UNKNOWN(Classification::readTargetsUnknown),
    VALUE_FUNCTION(Classification::usesSqlValueFunction),
    TABLESAMPLE(Classification::tableSample),
    LOCKING(c -> c.lockingClause().isPresent()),
    SELECT_INTO(Classification::selectInto),
    MODIFYING_CTE(Classification::dataModifyingCte),
    SESSION_SCOPED(c -> c.sessionScopedFeature().isPresent()),
    MALFORMED(Classification::malformed),
    MULTI(Classification::isMultiStatement);

    final Predicate<Classification> test;

    Flag(Predicate<Classification> test) {
      this.test = test;
    }
  }

  final String name;
  final String sql;
  StatementKind kind = StatementKind.READ;
  Set<TableRef> reads = Set.of();
  Set<TableRef> writes = Set.of();
  Set<FunctionRef> functions = Set.of();
  EnumSet<Flag> flags = EnumSet.noneOf(Flag.class);

  private ClassificationCase(String name, String sql) {
    this.name = name;
    this.sql = sql;
  }

  static ClassificationCase row(String name, String sql) {
    return new ClassificationCase(name, sql);
  }

  ClassificationCase kind(StatementKind k) {
    this.kind = k;
    return this;
  }

  /** Tables as "name" or "schema.name". */
  ClassificationCase reads(String... tables) {
    this.reads = Arrays.stream(tables).map(ClassificationCase::table).collect(Collectors.toSet());
    return this;
  }

  ClassificationCase writes(String... tables) {
    this.writes = Arrays.stream(tables).map(ClassificationCase::table).collect(Collectors.toSet());
    return this;
  }

  ClassificationCase functions(String... names) {
    this.functions =
        Arrays.stream(names)
            .map(n -> {
              int dot = n.indexOf('.');
              return dot < 0 ? FunctionRef.of(n) : FunctionRef.of(n.substring(0, dot), n.substring(dot + 1));
            })
            .collect(Collectors.toSet());
    return this;
  }

  ClassificationCase flags(Flag... f) {
    this.flags = f.length == 0 ? EnumSet.noneOf(Flag.class) : EnumSet.of(f[0], f);
    return this;
  }

  private static TableRef table(String s) {
    int dot = s.indexOf('.');
    return dot < 0 ? TableRef.of(s) : TableRef.of(s.substring(0, dot), s.substring(dot + 1));
  }

  void verify() {
    Classification c = StatementClassifier.classify(sql);
    assertThat(c.kind()).as("kind of %s", sql).isEqualTo(kind);
    assertThat(c.readTables()).as("reads of %s", sql).containsExactlyInAnyOrderElementsOf(reads);
    assertThat(c.writeTables()).as("writes of %s", sql).containsExactlyInAnyOrderElementsOf(writes);
    assertThat(c.functionCalls()).as("functions of %s", sql).containsExactlyInAnyOrderElementsOf(functions);
    for (Flag f : Flag.values()) {
      assertThat(f.test.test(c)).as("%s of %s", f, sql).isEqualTo(flags.contains(f));
    }
  }

  @Override
  public String toString() {
    return name;
  }
}
