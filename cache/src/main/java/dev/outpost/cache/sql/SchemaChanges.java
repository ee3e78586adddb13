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
  /**
   * Verbs of writes that leave the catalog as it was (maintenance rewrites a table's files only).
   * A DO block is one only when its body has no word of DDL or dynamic SQL (see {@link
   * #doBlockMayChangeSchema}). A procedure (CALL) or a function is taken as one: what its body does
   * is not read here, and forgetting the catalog at every CALL would make an application that uses
   * procedures look the catalog up all the time.
   */
  private static final Set<String> NOT_DDL = Set.of("insert", "update", "delete", "merge", "copy", "truncate",
      "select", "with", "values", "table", "explain", "refresh", "call", "(", "vacuum", "cluster", "reindex");

  /** Words that, in a DO block's body, may change the catalog (EXECUTE: any dynamic SQL). */
  private static final Set<String> DDL_WORDS = Set.of("create", "alter", "drop", "execute", "grant", "revoke",
      "comment", "security", "import", "reassign", "rename");

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
    if (verb.equals("do")) {
      return doBlockMayChangeSchema(text);
    }
    return !NOT_DDL.contains(verb) && !createsTemporaryObject(head);
  }

  /**
   * Whether a DO block's text has a word of DDL or dynamic SQL anywhere (its body is a string: the
   * words are looked for as letters between non-letters, in any case). A view redefined by EXECUTE
   * in a DO block kept its old expansion in the node's catalog facts before.
   */
  static boolean doBlockMayChangeSchema(String text) {
    int n = text.length();
    int i = 0;
    while (i < n) {
      if (!Character.isLetter(text.charAt(i))) {
        i++;
        continue;
      }
      int start = i;
      while (i < n && (Character.isLetterOrDigit(text.charAt(i)) || text.charAt(i) == '_')) {
        i++;
      }
      if (i - start <= 8 && DDL_WORDS.contains(text.substring(start, i).toLowerCase(Locale.ROOT))) {
        return true;
      }
    }
    return false;
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
