package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.cache.CacheStatus;
import dev.outpost.proxy.auth.User;
import dev.outpost.proxy.auth.UserDirectory;
import dev.outpost.proxy.server.OutpostNode;
import dev.outpost.testkit.TestOrigin;
import java.io.ByteArrayOutputStream;
import java.sql.Connection;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A hit answers byte for byte what the origin answered for the same request, for a table with
 * many column types, in the simple and the extended protocol, with text and binary results and
 * with a row limit on the Execute; and
 * two roles reading a row-level-secured table through the cache always get their own rows.
 */
class CacheFidelityIT {
  @Test
  void hits_areByteForByteTheOriginsAnswers() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("fidelity");
    try (Connection c = origin.superConnection(db)) {
      Sql.exec(c, "CREATE TABLE wide (id int PRIMARY KEY, num numeric(20,6), txt text, raw bytea, doc jsonb,"
              + " arr int[], tags text[], at timestamptz, day date, flag boolean, f8 float8, big bigint, maybe text)",
          "INSERT INTO wide SELECT g, g * 1.123456, 'row ' || g || ' ü€', decode(md5(g::text), 'hex'),"
              + " jsonb_build_object('g', g, 'sq', g * g, 'name', 'n' || g), ARRAY[g, g + 1, NULL],"
              + " ARRAY['a' || g, NULL, 'b'], TIMESTAMPTZ '2024-02-29 12:00:00+00' + g * INTERVAL '1 day 1 hour',"
              + " DATE '2000-01-01' + g, g % 2 = 0, g / 7.0, g::bigint * 1000000007,"
              + " CASE WHEN g % 3 = 0 THEN NULL ELSE 'm' || g END FROM generate_series(1, 200) g",
          "ALTER TABLE wide OWNER TO " + TestOrigin.APP_USER);
    }
    Random random = new Random(42);
    int compared = 0;
    try (TestNode node = TestNode.start(origin, db, b -> b.poolSize(2));
        RawClient direct = new RawClient(origin.port());
        RawClient proxied = new RawClient(node.port())) {
      direct.login(TestOrigin.APP_USER, TestOrigin.APP_PASSWORD, db);
      proxied.login(TestOrigin.APP_USER, TestOrigin.APP_PASSWORD, db);
      long hitsBefore = node.node().cacheService().cache().stats().count(CacheStatus.HIT);
      for (int i = 0; i < 300; i++) {
        int from = 1 + random.nextInt(190);
        int span = random.nextInt(10);
        String columns = random.nextBoolean() ? "*" : "id, num, raw, doc, arr, at, maybe";
        String sql = "SELECT " + columns + " FROM wide WHERE id BETWEEN " + from + " AND " + (from + span)
            + " ORDER BY id";
        byte[] request;
        switch (random.nextInt(4)) {
          case 0:
            request = RawClient.query(sql);
            break;
          case 1:
            request = Wire.extended(sql, true, (short) 0);
            break;
          case 2: // fewer rows than the span, as many, or more: PortalSuspended or CommandComplete
            request = Wire.extended(sql, random.nextBoolean(), new byte[0][], (short) 0, (short) random.nextInt(2),
                1 + random.nextInt(12));
            break;
          default:
            request = Wire.extended(sql, random.nextBoolean(), (short) 1);
            break;
        }
        if (request[0] != 'Q' && random.nextInt(3) == 0) {
          request = Wire.closingPortalBeforeSync(request); // r2dbc's shape
        }
        byte[] expected = answer(direct, request);
        // the first answers come from the origin (fill), later ones from the cache
        for (int round = 0; round < 3; round++) {
          assertThat(answer(proxied, request)).as("%s, round %d", sql, round).isEqualTo(expected);
          compared++;
        }
      }
      long hits = node.node().cacheService().cache().stats().count(CacheStatus.HIT) - hitsBefore;
      assertThat(hits).as("most answers compared came from the cache").isGreaterThan(compared / 3);
    }
  }

  /**
   * An Execute with a row limit (asyncpg's fetchrow() and fetchval() send 1) is answered from the
   * cache per limit: the first rows and PortalSuspended, or all of them and CommandComplete, as the
   * origin answers; entries of different limits never answer for each other, and a write
   * invalidates them all. Such reads all went to the origin before.
   */
  @Test
  void rowLimitedExecutes_areCachedPerLimit_andInvalidatedByWrites() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("fidelitylimit");
    try (Connection c = origin.superConnection(db)) {
      Sql.exec(c, "CREATE TABLE lim (id int PRIMARY KEY, v text)",
          "INSERT INTO lim SELECT g, 'v' || g FROM generate_series(1, 5) g",
          "ALTER TABLE lim OWNER TO " + TestOrigin.APP_USER);
    }
    String sql = "SELECT id, v FROM lim ORDER BY id";
    int[] limits = {1, 5, 6, 0, 2};
    try (TestNode node = TestNode.start(origin, db, b -> b.poolSize(2));
        RawClient direct = new RawClient(origin.port());
        RawClient proxied = new RawClient(node.port())) {
      direct.login(TestOrigin.APP_USER, TestOrigin.APP_PASSWORD, db);
      proxied.login(TestOrigin.APP_USER, TestOrigin.APP_PASSWORD, db);
      dev.outpost.cache.QueryCache cache = node.node().cacheService().cache();
      // the client learns the statement's columns once (as asyncpg's prepare does); it then executes
      // without a Describe, and only answers in those columns may be replayed to it
      byte[] described = Wire.extended(sql, true, new byte[0][], (short) 0, (short) 0, 0);
      assertThat(answer(proxied, described)).isEqualTo(answer(direct, described));
      int[] served = new int[limits.length];
      for (int round = 0; round < 40 && java.util.Arrays.stream(served).min().orElseThrow() < 2; round++) {
        for (int i = 0; i < limits.length; i++) {
          byte[] request = Wire.extended(sql, false, new byte[0][], (short) 0, (short) 0, limits[i]);
          long hits = cache.stats().count(CacheStatus.HIT);
          byte[] viaNode = answer(proxied, request);
          served[i] += cache.stats().count(CacheStatus.HIT) > hits ? 1 : 0;
          assertThat(viaNode).as("limit %d, round %d", limits[i], round).isEqualTo(answer(direct, request));
        }
        Thread.sleep(10); // the first reads go uncached until the node has the table's catalog facts
      }
      assertThat(java.util.Arrays.stream(served).min().orElseThrow())
          .as("fewest answers the cache served for one limit (limits %s: %s)", java.util.Arrays.toString(limits),
              java.util.Arrays.toString(served))
          .isGreaterThanOrEqualTo(2);
      assertThat(summaries(proxied, Wire.extended(sql, false, new byte[0][], (short) 0, (short) 0, 1)))
          .containsExactly("1", "2", "D:1", "s", "Z");
      assertThat(summaries(proxied, Wire.extended(sql, false, new byte[0][], (short) 0, (short) 0, 5)))
          .as("exactly as many rows as the limit: Postgres cannot tell that none are left").endsWith("D:5", "s", "Z");
      assertThat(summaries(proxied, Wire.extended(sql, false, new byte[0][], (short) 0, (short) 0, 6)))
          .endsWith("D:5", "C:SELECT 5", "Z");

      proxied.send(RawClient.query("UPDATE lim SET id = 0 WHERE id = 1"));
      proxied.readUntilReady();
      for (int limit : limits) {
        byte[] request = Wire.extended(sql, false, new byte[0][], (short) 0, (short) 0, limit);
        assertThat(answer(proxied, request)).as("limit %d after the write", limit).isEqualTo(answer(direct, request));
      }
      assertThat(summaries(proxied, Wire.extended(sql, false, new byte[0][], (short) 0, (short) 0, 1)))
          .containsExactly("1", "2", "D:0", "s", "Z");
    }
  }

  /**
   * r2dbc-postgresql's request: a named statement parsed once, then for each read {@code Bind(B_n,
   * S_0) Describe(portal) Execute Close(portal) Sync} with a new portal name each time. It is
   * answered from the cache, byte for byte as the origin answers it (CloseComplete before
   * ReadyForQuery), and a write invalidates it; before, the Close kept every such read from the
   * cache. A Close of the statement instead, or of another portal, still goes to the origin.
   */
  @Test
  void readsThatCloseTheirPortalBeforeSync_areCached_andAnsweredAsDirect() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("fidelityclose");
    try (Connection c = origin.superConnection(db)) {
      Sql.exec(c, "CREATE TABLE cl (id int PRIMARY KEY, v text)",
          "INSERT INTO cl SELECT g, 'v' || g FROM generate_series(1, 3) g",
          "ALTER TABLE cl OWNER TO " + TestOrigin.APP_USER);
    }
    String sql = "SELECT id, v FROM cl ORDER BY id";
    try (TestNode node = TestNode.start(origin, db, b -> b.poolSize(2));
        RawClient direct = new RawClient(origin.port());
        RawClient proxied = new RawClient(node.port())) {
      direct.login(TestOrigin.APP_USER, TestOrigin.APP_PASSWORD, db);
      proxied.login(TestOrigin.APP_USER, TestOrigin.APP_PASSWORD, db);
      byte[] prepare = Wire.concat(Wire.parse("S_0", sql), Wire.sync());
      assertThat(answer(proxied, prepare)).isEqualTo(answer(direct, prepare));
      dev.outpost.cache.QueryCache cache = node.node().cacheService().cache();
      int served = 0;
      int portal = 0;
      for (int round = 0; round < 60 && served < 3; round++) {
        byte[] read = r2dbcRead("B_" + portal++);
        long hits = cache.stats().count(CacheStatus.HIT);
        byte[] viaNode = answer(proxied, read);
        served += cache.stats().count(CacheStatus.HIT) > hits ? 1 : 0;
        assertThat(viaNode).as("round %d", round).isEqualTo(answer(direct, read));
        Thread.sleep(10); // the first reads go uncached until the node has the table's catalog facts
      }
      assertThat(served).as("answers the cache served").isGreaterThanOrEqualTo(3);
      assertThat(summaries(proxied, r2dbcRead("B_" + portal++)))
          .containsExactly("2", "T", "D:1", "D:2", "D:3", "C:SELECT 3", "3", "Z");
      // S_0 without a Describe: the client decodes by the description it was given, which the entry's matches
      long hits = cache.stats().count(CacheStatus.HIT);
      for (int i = 0; i < 3; i++) {
        byte[] describeLess = Wire.concat(Wire.bind("B_" + portal, "S_0"), Wire.execute("B_" + portal),
            Wire.closePortal("B_" + portal++), Wire.sync());
        assertThat(answer(proxied, describeLess)).isEqualTo(answer(direct, describeLess));
      }
      assertThat(cache.stats().count(CacheStatus.HIT) - hits).as("Describe-less answers the cache served")
          .isEqualTo(3);
      // the unnamed statement and portal, parsed in the same request, with no Describe: the client
      // decodes by the columns it was last given for this text, which the entry's are
      byte[] unnamed = Wire.concat(Wire.parse("", sql), Wire.bind("", ""), Wire.execute(""), Wire.closePortal(""),
          Wire.sync());
      hits = cache.stats().count(CacheStatus.HIT);
      for (int i = 0; i < 3; i++) {
        assertThat(answer(proxied, unnamed)).isEqualTo(answer(direct, unnamed));
      }
      assertThat(cache.stats().count(CacheStatus.HIT) - hits).as("unnamed answers the cache served").isEqualTo(3);

      hits = cache.stats().count(CacheStatus.HIT);
      byte[] closesOther = Wire.concat(Wire.bind("B_x", "S_0"), Wire.execute("B_x"), Wire.closePortal("B_y"),
          Wire.sync());
      assertThat(answer(proxied, closesOther)).isEqualTo(answer(direct, closesOther));
      byte[] closesStatement = Wire.concat(Wire.parse("S_1", sql), Wire.bind("", "S_1"), Wire.execute(""),
          Wire.closeStatement("S_1"), Wire.sync());
      assertThat(answer(proxied, closesStatement)).isEqualTo(answer(direct, closesStatement));
      assertThat(cache.stats().count(CacheStatus.HIT)).as("other shapes go to the origin").isEqualTo(hits);

      proxied.send(RawClient.query("UPDATE cl SET v = 'changed' WHERE id = 2"));
      proxied.readUntilReady();
      byte[] read = r2dbcRead("B_" + portal++);
      assertThat(answer(proxied, read)).as("after the write").isEqualTo(answer(direct, read));
    }
  }

  /**
   * A table's columns change around the node (DDL made directly on the origin, no change feed):
   * the cached answers of the old columns stay until they expire, as writes made around the node
   * do. A client that has the new columns from the origin and executes without a Describe
   * (pgjdbc's named statements, and its unnamed ones once it has their columns) must never be
   * replayed rows of the old columns: it would decode them by the wrong ones — here column a's value
   * read as b's ("b=a1 a=b1", which the node answered before). For pgjdbc with server-side
   * statements (prepareThreshold=1) and without (0).
   */
  @Test
  void columnsChangedAroundTheNode_aClientIsNeverReplayedRowsOfOtherColumns() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("fidelityshape");
    try (TestNode node = TestNode.start(origin, db, b -> b.poolSize(2))) {
      for (int threshold : new int[] {1, 0}) {
        String table = "shape" + threshold;
        java.util.List<String> viaNode = schemaChangeSteps(origin, db, table,
            extra -> node.connect("prepareThreshold=" + threshold + (extra.isEmpty() ? "" : "&" + extra)), node);
        java.util.List<String> direct = schemaChangeSteps(origin, db, table + "_direct",
            extra -> java.sql.DriverManager.getConnection(origin.appJdbcUrl(db, "prepareThreshold=" + threshold)), null);
        assertThat(viaNode.subList(0, 5)).as("prepareThreshold=%d: X's reads and A's of row 2", threshold)
            .isEqualTo(direct.subList(0, 5));
        // row 1 as the origin has it now, or (a client that describes it is given the entry's own
        // columns) as it was before the change, until the entry expires — never in other columns
        assertThat(viaNode.subList(5, 7)).as("prepareThreshold=%d: A's reads of row 1", threshold)
            .allSatisfy(line -> assertThat(line).isIn("A 1: id=1 b=b1 a=A1", "A 1: id=1 a=a1 b=b1"));
        assertThat(direct.subList(5, 7)).containsOnly("A 1: id=1 b=b1 a=A1");
      }
    }
  }

  /** Opens a connection with extra URL parameters. */
  private interface Connector {
    Connection open(String extra) throws java.sql.SQLException;
  }

  /**
   * Client X reads row 1 (until the node serves it from its cache, when {@code node} is given);
   * then, on the origin directly, column a is dropped and added again (now after b) with new
   * values; then client A reads row 2 (which gives it the new columns from the origin), then row 1
   * twice. Returns each read as "who id: column=value ...".
   */
  private static java.util.List<String> schemaChangeSteps(TestOrigin origin, String db, String table,
      Connector connector, TestNode node) throws Exception {
    try (Connection su = origin.superConnection(db)) {
      Sql.exec(su, "CREATE TABLE " + table + " (id int PRIMARY KEY, a text, b text)",
          "INSERT INTO " + table + " VALUES (1, 'a1', 'b1'), (2, 'a2', 'b2')",
          "ALTER TABLE " + table + " OWNER TO " + TestOrigin.APP_USER);
    }
    String sql = "SELECT * FROM " + table + " WHERE id = ?";
    java.util.List<String> out = new java.util.ArrayList<>();
    try (Connection x = connector.open("")) {
      java.sql.PreparedStatement read = x.prepareStatement(sql);
      for (int i = 0; i < 100; i++) {
        long hits = node == null ? 0 : node.node().cacheService().cache().stats().count(CacheStatus.HIT);
        String row = Sql.namedRows(read, 1);
        if (i < 3) {
          out.add("X 1: " + row);
        }
        if (i >= 2 && (node == null || node.node().cacheService().cache().stats().count(CacheStatus.HIT) > hits)) {
          break; // row 1 is in the node's cache
        }
        Thread.sleep(10);
      }
    }
    try (Connection su = origin.superConnection(db)) {
      Sql.exec(su, "ALTER TABLE " + table + " DROP COLUMN a", "ALTER TABLE " + table + " ADD COLUMN a text",
          "UPDATE " + table + " SET a = 'A' || id");
    }
    try (Connection a = connector.open("")) {
      java.sql.PreparedStatement read = a.prepareStatement(sql);
      out.add("A 2: " + Sql.namedRows(read, 2));
      out.add("A 2: " + Sql.namedRows(read, 2));
      out.add("A 1: " + Sql.namedRows(read, 1));
      out.add("A 1: " + Sql.namedRows(read, 1));
    }
    return out;
  }

  /** One read as r2dbc-postgresql sends it, of the statement S_0 through the portal {@code name}. */
  private static byte[] r2dbcRead(String name) {
    return Wire.concat(Wire.bind(name, "S_0"), Wire.describePortal(name), Wire.execute(name), Wire.closePortal(name),
        Wire.sync());
  }

  private static java.util.List<String> summaries(RawClient c, byte[] request) throws Exception {
    c.send(request);
    return c.readUntilReady().stream().map(RawClient.Message::summary).toList();
  }

  private static byte[] answer(RawClient c, byte[] request) throws Exception {
    c.send(request);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (RawClient.Message m : c.readUntilReady()) {
      out.write(m.type());
      out.write(java.nio.ByteBuffer.allocate(4).putInt(m.body().length + 4).array());
      out.write(m.body());
    }
    return out.toByteArray();
  }

  @Test
  void rowLevelSecurity_twoRoles_alwaysGetTheirOwnRows() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("rls");
    try (Connection c = origin.superConnection(db)) {
      Sql.exec(c, "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rls_alice') THEN"
              + " CREATE ROLE rls_alice LOGIN PASSWORD 'alice-pw'; CREATE ROLE rls_bob LOGIN PASSWORD 'bob-pw';"
              + " END IF; END $$",
          "CREATE TABLE docs (owner text, body text)",
          "INSERT INTO docs VALUES ('rls_alice', 'alice 1'), ('rls_alice', 'alice 2'), ('rls_bob', 'bob 1')",
          "ALTER TABLE docs ENABLE ROW LEVEL SECURITY",
          "CREATE POLICY own ON docs USING (owner = current_user)",
          "GRANT SELECT ON docs TO rls_alice, rls_bob");
    }
    UserDirectory users = new UserDirectory(List.of(
        User.withPassword("rls_alice", "alice-pw", Set.of(), "rls_alice", "alice-pw"),
        User.withPassword("rls_bob", "bob-pw", Set.of(), "rls_bob", "bob-pw")));
    try (TestNode node = TestNode.start(origin, db, b -> b.poolSize(2), OutpostNode.Options.defaults().withUsers(users));
        Connection alice = node.connectAs("rls_alice", "alice-pw", "");
        Connection bob = node.connectAs("rls_bob", "bob-pw", "preferQueryMode=simple")) {
      String read = "SELECT string_agg(body, ',' ORDER BY body) FROM docs";
      // every read is checked, interleaved between the roles; each role reads until one of its own
      // reads is a hit (its first reads go uncached until the node has that role's catalog facts)
      boolean[] served = new boolean[2];
      for (int i = 0; i < 300 && !(served[0] && served[1]); i++) {
        long h = node.node().cacheService().cache().stats().count(CacheStatus.HIT);
        assertThat(Sql.value(alice, read)).isEqualTo("alice 1,alice 2");
        long afterAlice = node.node().cacheService().cache().stats().count(CacheStatus.HIT);
        served[0] |= afterAlice > h;
        assertThat(Sql.value(bob, read)).isEqualTo("bob 1");
        served[1] |= node.node().cacheService().cache().stats().count(CacheStatus.HIT) > afterAlice;
        Thread.sleep(20);
      }
      assertThat(served).as("alice and bob were each served from the cache, with their own rows")
          .containsExactly(true, true);
    }
  }
}
