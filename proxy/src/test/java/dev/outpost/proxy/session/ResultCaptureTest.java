package dev.outpost.proxy.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.cache.CacheKey;
import dev.outpost.cache.CacheStatus;
import dev.outpost.cache.Dependencies;
import dev.outpost.cache.FillTicket;
import dev.outpost.cache.Freshness;
import dev.outpost.cache.QueryCache;
import dev.outpost.cache.store.QueryCacheBuilder;
import dev.outpost.proxy.cache.CachePolicy;
import dev.outpost.proxy.cache.CacheService;
import dev.outpost.proxy.cache.ReadPlan;
import dev.outpost.proxy.catalog.CatalogInspector;
import dev.outpost.proxy.config.OriginUrl;
import dev.outpost.wire.Frame;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A result planned before a schema change is not stored, even when its fill began after the
 * schema change's invalidation took effect (the sequence rule cannot see that case).
 */
class ResultCaptureTest {
  private final QueryCache cache = QueryCacheBuilder.newBuilder().sweeper(Runnable::run).build();
  // never connects: only its generation is used here
  private final CatalogInspector catalog = new CatalogInspector(
      OriginUrl.parse("postgresql://app:secret@127.0.0.1:1/shop?sslmode=disable"), Duration.ofSeconds(60));
  private final CacheService service = new CacheService(cache, catalog, CachePolicy.defaults());

  @AfterEach
  void close() {
    service.close();
  }

  private CacheStatus captureAndFinish(CacheKey key, ReadPlan plan, Runnable beforeTheResultEnds) {
    FillTicket ticket = cache.begin(key);
    assertThat(ticket).isInstanceOf(FillTicket.Leader.class);
    ResultCapture capture = new ResultCapture((FillTicket.Leader) ticket, plan, "SELECT 1", service, 1 << 20);
    capture.describe(frame('T', 0, 0));
    capture.row(frame('D', 0, 1, 0, 0, 0, 1, '1'));
    beforeTheResultEnds.run();
    capture.complete(frame('C', 'S', 'E', 'L', 'E', 'C', 'T', ' ', '1', 0));
    return capture.finish(true);
  }

  private static Frame frame(int type, int... body) {
    byte[] b = new byte[5 + body.length];
    b[0] = (byte) type;
    int len = 4 + body.length;
    b[1] = (byte) (len >>> 24);
    b[2] = (byte) (len >>> 16);
    b[3] = (byte) (len >>> 8);
    b[4] = (byte) len;
    for (int i = 0; i < body.length; i++) {
      b[5 + i] = (byte) body[i];
    }
    return new Frame(Unpooled.wrappedBuffer(b));
  }

  private ReadPlan plan() {
    return ReadPlan.cacheable(Dependencies.ofNames("t"), new Freshness(Duration.ofSeconds(60), Duration.ZERO),
        catalog.generation());
  }

  @Test
  void resultOfAPlanMadeBeforeASchemaChange_isNotStored() {
    CacheKey key = CacheKey.builder("shop", "app", "SELECT f()").build();
    ReadPlan plan = plan();
    assertThat(captureAndFinish(key, plan, () -> catalog.forget("shop"))).isEqualTo(CacheStatus.MISS);
    assertThat(cache.lookup(key).status()).isEqualTo(CacheStatus.MISS);
  }

  @Test
  void resultOfAPlanMadeAfterIt_isStored() {
    catalog.forget("shop");
    CacheKey key = CacheKey.builder("shop", "app", "SELECT g()").build();
    assertThat(captureAndFinish(key, plan(), () -> { })).isEqualTo(CacheStatus.MISS);
    assertThat(cache.lookup(key).status()).isEqualTo(CacheStatus.HIT);
  }
}
