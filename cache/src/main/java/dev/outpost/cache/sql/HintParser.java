package dev.outpost.cache.sql;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/** Accumulates {@code outpost:…} directives over the comments of one text; see {@link Hints}. */
final class HintParser {

  private static final String PREFIX = "outpost:";

  private boolean bypass;
  private boolean force;
  private Optional<Duration> maxAge = Optional.empty();
  private Optional<Duration> swr = Optional.empty();

  void scan(String commentBody) {
    String body = commentBody.toLowerCase(Locale.ROOT);
    int at = body.indexOf(PREFIX);
    while (at >= 0) {
      int wordStart = at + PREFIX.length();
      int wordEnd = wordStart;
      while (wordEnd < body.length() && isWordChar(body.charAt(wordEnd))) {
        wordEnd++;
      }
      String directive = body.substring(wordStart, wordEnd);
      int next = body.indexOf(PREFIX, wordEnd);
      int argsEnd = next < 0 ? body.length() : next;
      if (directive.equals("nocache")) {
        bypass = true;
      } else if (directive.equals("cache")) {
        force = true;
        arguments(body.substring(wordEnd, argsEnd));
      }
      at = next;
    }
  }

  /** Reads {@code key=value} words until the first word that is not one. */
  private void arguments(String args) {
    for (String word : args.trim().split("[\\s,]+")) {
      int eq = word.indexOf('=');
      if (eq <= 0) {
        if (word.isEmpty()) {
          continue;
        }
        return; // free text after the hint: stop reading arguments
      }
      String key = word.substring(0, eq);
      Optional<Duration> value = Hints.parseDuration(word.substring(eq + 1));
      switch (key) {
        case "max-age", "maxage", "ttl" -> maxAge = value.isPresent() ? value : maxAge;
        case "swr", "stale-while-revalidate" -> swr = value.isPresent() ? value : swr;
        default -> {} // unknown keys are ignored so newer hints do not break older nodes
      }
    }
  }

  private static boolean isWordChar(char c) {
    return (c >= 'a' && c <= 'z') || c == '-' || c == '_';
  }

  Hints result() {
    if (bypass) {
      return new Hints(true, false, Optional.empty(), Optional.empty());
    }
    if (!force) {
      return Hints.NONE;
    }
    return new Hints(false, true, maxAge, swr);
  }
}
