package dev.outpost.cache.sql;

import java.util.Locale;
import java.util.Set;

/**
 * Which writes change the catalog, so that catalog facts (a function's volatility, a trigger, a
 * view's definition) must be forgotten: a write whose verb is not DML or maintenance. Creating a
 * temporary object is not a schema change — nobody else can see it, and {@code CREATE TEMP TABLE
 * … ON COMMIT DROP} in every transaction must not flush a cluster's cache. Decided from the verb
 * and the words after it only, never from a constant.
 */
final class SchemaChanges {
  /** Verbs of writes that leave the catalog as it was (maintenance rewrites a table's files only). */
  private static final Set<String> NOT_DDL = Set.of("insert", "update", "delete", "merge", "copy", "truncate",
      "select", "with", "values", "table", "explain", "refresh", "call", "do", "(", "vacuum", "cluster", "reindex");

  private SchemaChanges() {}

  /** Whether one normalized WRITE statement changes the catalog. */
  static boolean isSchemaChange(String normalizedStatement) {
    String text = normalizedStatement.trim();
    // the verb and what follows it are all that matter: never lower-case a megabyte INSERT
    String head = text.substring(0, Math.min(text.length(), 64)).toLowerCase(Locale.ROOT);
    int sp = 0;
    while (sp < head.length() && Character.isLetter(head.charAt(sp))) {
      sp++;
    }
    String verb = sp == 0 ? head.substring(0, Math.min(1, head.length())) : head.substring(0, sp);
    return !NOT_DDL.contains(verb) && !createsTemporaryObject(head);
  }

  private static boolean createsTemporaryObject(String head) {
    String[] words = head.split(" ", 5);
    if (words.length < 3 || !words[0].equals("create")) {
      return false;
    }
    int i = words[1].equals("global") || words[1].equals("local") ? 2 : 1;
    return i < words.length && (words[i].equals("temp") || words[i].equals("temporary"));
  }
}
