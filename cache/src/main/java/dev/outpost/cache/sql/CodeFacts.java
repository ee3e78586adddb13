package dev.outpost.cache.sql;

import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What a statement may run and change beyond what it names as tables — the part of a {@link
 * Classification} that asks the catalog about user code and tells whether a pooled backend may
 * carry settings or a role to the next client. Unlike a classification, these facts do not depend
 * on the values of the text's constants: every text of one {@linkplain ClassificationCache#codeFacts
 * shape} (the same text with other numbers and strings) has the same facts, so they are remembered
 * per shape, not per text. Never a cache key.
 *
 * @param kind what the statement does
 * @param writes the statement writes: a WRITE, a data-modifying CTE or SELECT … INTO
 * @param functionCalls catalog functions called (see {@link Classification#functionCalls()})
 * @param operators operator names used (see {@link Classification#operators()})
 * @param untrackedStateChange see {@link Classification#untrackedStateChange()}
 * @param sessionScopedFeature see {@link Classification#sessionScopedFeature()}
 * @param schemaChange see {@link Classification#schemaChange()}
 * @param readTables relations read (see {@link Classification#readTables()}): views and
 *     row-security policies behind them may run code the text does not name
 * @param writeTables relations written (see {@link Classification#writeTables()}): their triggers,
 *     rules, defaults and constraints may run code the text does not name
 * @param mentionText the text to look for type names in: the normalized text, or for facts
 *     remembered by shape the shape itself — the text without its constants, where a type name is
 *     never needed (see {@code ImplicitCodeFacts}); so facts remembered by shape hold no constant
 *     of any client's statement
 */
public record CodeFacts(
    StatementKind kind,
    boolean writes,
    Set<FunctionRef> functionCalls,
    Set<String> operators,
    Optional<String> untrackedStateChange,
    Optional<String> sessionScopedFeature,
    boolean schemaChange,
    Set<TableRef> readTables,
    Set<TableRef> writeTables,
    String mentionText) {

  public CodeFacts {
    Objects.requireNonNull(kind, "kind");
    functionCalls = Set.copyOf(functionCalls);
    operators = Set.copyOf(operators);
    readTables = Set.copyOf(readTables);
    writeTables = Set.copyOf(writeTables);
    Objects.requireNonNull(untrackedStateChange, "untrackedStateChange");
    Objects.requireNonNull(sessionScopedFeature, "sessionScopedFeature");
    Objects.requireNonNull(mentionText, "mentionText");
  }

  /** These facts, with another text to look for type names in. */
  public CodeFacts mentioning(String text) {
    return new CodeFacts(kind, writes, functionCalls, operators, untrackedStateChange, sessionScopedFeature,
        schemaChange, readTables, writeTables, text);
  }

  /** The code facts of a classified text. */
  public static CodeFacts of(Classification c) {
    return new CodeFacts(c.kind(), c.kind() == StatementKind.WRITE || c.dataModifyingCte() || c.selectInto(),
        c.functionCalls(), c.operators(), c.untrackedStateChange(), c.sessionScopedFeature(), c.schemaChange(),
        c.readTables(), c.writeTables(), c.normalizedText());
  }
}
