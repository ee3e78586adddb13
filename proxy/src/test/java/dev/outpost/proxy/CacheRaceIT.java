package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.cache.CacheStatus;
import dev.outpost.proxy.cache.CachePolicy;
import dev.outpost.proxy.server.OutpostNode;
import dev.outpost.testkit.TestOrigin;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * 16 readers and 4 writers hammer a small table through one node for 20 s. A checker then proves
 * that no session read a value older than one it had written and committed itself, that no read
 * returned a version superseded more than max-age + stale-while-revalidate before it started, and
 * — stronger, because every write passes through this node, which invalidates before it
 * acknowledges the commit — that no read returned a version superseded by a commit acknowledged
 * before the read began.
 */
class CacheRaceIT {
  private static final Logger log = LoggerFactory.getLogger(CacheRaceIT.class);
  private static final int ROWS = 8;
  private static final Duration MAX_AGE = Duration.ofSeconds(2);
  private static final Duration SWR = Duration.ofSeconds(1);

  @Test
  void readersAndWriters_20s_noStaleOrLostWrites() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("race");
    try (Connection c = origin.superConnection(db)) {
      Sql.exec(c, "CREATE TABLE counters (id int PRIMARY KEY, version bigint NOT NULL)",
          "INSERT INTO counters SELECT g, 0 FROM generate_series(1, " + ROWS + ") g",
          "ALTER TABLE counters OWNER TO " + TestOrigin.APP_USER);
    }
    CachePolicy policy = new CachePolicy(true, MAX_AGE, SWR, 64L << 20, 1L << 20, List.of());
    RaceWorkload race = new RaceWorkload(ROWS, Duration.ofSeconds(20));
    try (TestNode node = TestNode.start(origin, db, b -> b.poolSize(8),
        OutpostNode.Options.defaults().withCachePolicy(policy))) {
      ExecutorService pool = Executors.newFixedThreadPool(20);
      List<Future<Integer>> work = new ArrayList<>();
      for (int w = 0; w < 4; w++) {
        work.add(pool.submit(race.writer(node::connect, w)));
      }
      for (int r = 0; r < 16; r++) {
        String params = r % 2 == 0 ? "" : "preferQueryMode=simple";
        work.add(pool.submit(race.reader(() -> node.connect(params), 100 + r)));
      }
      int operations = 0;
      for (Future<Integer> f : work) {
        operations += f.get(2, TimeUnit.MINUTES);
      }
      pool.shutdownNow();
      long hits = node.node().cacheService().cache().stats().count(CacheStatus.HIT);
      int strict = race.check(MAX_AGE.plus(SWR));
      log.info("race: {} operations, {} reads checked, {} cache hits, {} writes", operations, race.readsRecorded(),
          hits, race.writesAcknowledged());
      assertThat(race.violations()).isEmpty();
      assertThat(strict).as("reads returning a version superseded by an acknowledged commit").isZero();
      assertThat(hits).as("the readers were served from the cache").isPositive();
      assertThat(race.writesAcknowledged()).isPositive();
    }
  }
}
