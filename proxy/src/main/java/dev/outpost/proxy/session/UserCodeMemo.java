package dev.outpost.proxy.session;

import dev.outpost.cache.sql.CodeFacts;
import dev.outpost.proxy.cache.CacheService;
import dev.outpost.proxy.catalog.CatalogInspector;
import java.util.concurrent.TimeUnit;

/**
 * What the catalog said about the user code of the statement a session last asked about (see
 * {@link CacheService#userCode}). A client repeating a statement asks about the same facts each
 * time; the last final answer is reused for them while no catalog fact has changed since (a schema
 * change or a lookup started or ended moves {@link CacheService#catalogChanges} on), for at most
 * {@link #REUSE_NANOS}: facts whose TTL ran out are looked up again only when asked for, so an
 * answer is not reused for longer than that beyond the TTL. NOT_KNOWN_YET is never reused: the
 * session acts on it each time. Owned by one session, used on its event loop only.
 */
final class UserCodeMemo {
  /** How long an answer may be reused. */
  static final long REUSE_NANOS = TimeUnit.SECONDS.toNanos(1);

  private CodeFacts facts;
  private CacheService.UserCode answer;
  private long changes;
  private long answeredNanos;

  CacheService.UserCode of(CacheService svc, CatalogInspector.Login login, CodeFacts c, boolean relationsMustBeKnown) {
    long changesNow = svc.catalogChanges();
    long now = System.nanoTime();
    if (c == facts && changesNow == changes && now - answeredNanos < REUSE_NANOS) {
      return answer;
    }
    CacheService.UserCode code = svc.userCode(login, c, relationsMustBeKnown);
    if (code == CacheService.UserCode.NOT_KNOWN_YET) {
      facts = null;
    } else {
      facts = c;
      answer = code;
      changes = changesNow;
      answeredNanos = now;
    }
    return code;
  }
}
