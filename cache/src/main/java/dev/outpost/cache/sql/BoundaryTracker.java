package dev.outpost.cache.sql;

/**
 * Decides, token by token within one statement, whether a semicolon would end the statement.
 *
 * <p>Like psql, it ignores semicolons inside parentheses and inside the SQL-standard body of
 * {@code CREATE [OR REPLACE] FUNCTION|PROCEDURE … BEGIN ATOMIC … END}, where {@code CASE … END}
 * pairs nest.
 */
final class BoundaryTracker {

  private int parenDepth;
  private int atomicDepth;
  private int wordsSeen;
  private boolean startedWithCreate;
  private boolean routineDefinition;
  private Token previousWord;

  void accept(Token t) {
    if (t.type().isComment()) {
      return;
    }
    switch (t.type()) {
      case LEFT_PAREN, LEFT_BRACKET -> parenDepth++;
      case RIGHT_PAREN, RIGHT_BRACKET -> parenDepth = Math.max(0, parenDepth - 1);
      case IDENTIFIER -> word(t);
      default -> {}
    }
    previousWord = t.isIdentifier() ? t : null;
  }

  private void word(Token t) {
    wordsSeen++;
    if (wordsSeen <= 4 && (t.isWord("function") || t.isWord("procedure")) && startedWithCreate) {
      routineDefinition = true;
    }
    if (wordsSeen == 1) {
      startedWithCreate = t.isWord("create");
    }
    if (!routineDefinition || parenDepth > 0) {
      return;
    }
    if (t.isWord("atomic") && previousWord != null && previousWord.isWord("begin")) {
      atomicDepth++;
    } else if (atomicDepth > 0 && t.isWord("case")) {
      atomicDepth++;
    } else if (atomicDepth > 0 && t.isWord("end")) {
      atomicDepth--;
    }
  }

  boolean atTopLevel() {
    return parenDepth == 0 && atomicDepth == 0;
  }
}
