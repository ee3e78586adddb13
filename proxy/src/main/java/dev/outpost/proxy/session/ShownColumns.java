package dev.outpost.proxy.session;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The result columns a client was last given for each of its recent statement texts (as {@link
 * dev.outpost.wire.backend.RowDescription#columnsDigest} digests), for requests that parse a
 * statement and execute it without describing it: pgjdbc sends {@code Parse Bind Execute Sync} once
 * it has the columns of that text from an earlier execution, and decodes the rows by them. A cached
 * answer is replayed to such a request only when its columns are these. Bounded: texts are kept by
 * a 64-bit hash, the {@value #CAPACITY} most recently described. Owned by one session, used on its
 * event loop only.
 */
final class ShownColumns {
  static final int CAPACITY = 32;

  private final Map<Long, Long> byText = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Long, Long> eldest) {
      return size() > CAPACITY;
    }
  };

  /** The client was given {@code columns} (a digest; 0: not a description) for {@code sql}. */
  void shown(String sql, long columns) {
    if (columns != 0) {
      byText.put(textKey(sql), columns);
    }
  }

  /** The columns last given for {@code sql}, or 0 when none is remembered. */
  long of(String sql) {
    Long c = byText.get(textKey(sql));
    return c == null ? 0 : c;
  }

  /** A 64-bit hash of the text (FNV-1a over its chars, then MurmurHash3's mixer). */
  static long textKey(String sql) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < sql.length(); i++) {
      h = (h ^ sql.charAt(i)) * 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }
}
