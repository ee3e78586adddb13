package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.proxy.cache.ReadPlan;
import dev.outpost.proxy.catalog.CatalogInspector;
import dev.outpost.testkit.TestOrigin;
import java.sql.Connection;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The eligibility table (DESIGN §6.1): SQL texts and the cache status the node gives them,
 * decided by the real lexer and the real catalog of a real origin, with user-defined IMMUTABLE,
 * STABLE and VOLATILE functions created here.
 */
class CacheEligibilityIT {
  private static final String CACHEABLE = "CACHEABLE";
  private static TestNode node;
  private static CatalogInspector.Login login;

  @BeforeAll
  static void schema() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("eligibility");
    try (Connection c = origin.superConnection(db)) {
      Sql.exec(c,
          "CREATE TABLE items (id int PRIMARY KEY, name text, price numeric(10,2), created timestamptz,"
              + " tags text[], data jsonb)",
          "CREATE TABLE orders (id int PRIMARY KEY, item_id int REFERENCES items(id) ON DELETE CASCADE, qty int)",
          "CREATE SCHEMA s1",
          "CREATE TABLE s1.things (id int, v text)",
          "CREATE FUNCTION imm_fn(int) RETURNS int IMMUTABLE LANGUAGE sql AS $$ SELECT $1 * 2 $$",
          "CREATE FUNCTION stab_fn(int) RETURNS int STABLE LANGUAGE sql AS $$ SELECT $1 + 1 $$",
          "CREATE FUNCTION vol_fn(int) RETURNS int VOLATILE LANGUAGE sql AS $$ SELECT $1 + 1 $$",
          "CREATE FUNCTION s1.imm2(text) RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT upper($1) $$",
          "CREATE FUNCTION s1.vol2(text) RETURNS text VOLATILE LANGUAGE sql AS $$ SELECT $1 $$",
          "CREATE FUNCTION stab_fn_text(text, int) RETURNS text STABLE LANGUAGE sql AS $$ SELECT $1 $$",
          "CREATE FUNCTION imm_plus(int, int) RETURNS int IMMUTABLE LANGUAGE sql AS $$ SELECT $1 + $2 $$",
          "CREATE FUNCTION stab_plus(int, int) RETURNS int STABLE LANGUAGE sql AS $$ SELECT $1 + $2 $$",
          "CREATE FUNCTION vol_plus(int, int) RETURNS int VOLATILE LANGUAGE sql AS $$ SELECT $1 + $2 $$",
          "CREATE OPERATOR #+# (LEFTARG = int, RIGHTARG = int, FUNCTION = imm_plus)",
          "CREATE OPERATOR #~# (LEFTARG = int, RIGHTARG = int, FUNCTION = stab_plus)",
          "CREATE OPERATOR s1.##> (LEFTARG = int, RIGHTARG = int, FUNCTION = vol_plus)",
          // a user-defined % over other types: every % counts, its operands' types are not in the text
          "CREATE OPERATOR % (LEFTARG = text, RIGHTARG = int, FUNCTION = stab_fn_text)",
          // CREATE AGGREGATE records IMMUTABLE: the support functions decide
          "CREATE FUNCTION imm_acc(bigint, int) RETURNS bigint IMMUTABLE LANGUAGE sql AS $$ SELECT coalesce($1, 0) + $2 $$",
          "CREATE FUNCTION vol_acc(bigint, int) RETURNS bigint VOLATILE LANGUAGE sql AS $$ SELECT coalesce($1, 0) + $2 $$",
          "CREATE FUNCTION stab_final(bigint) RETURNS bigint STABLE LANGUAGE sql AS $$ SELECT $1 $$",
          "CREATE AGGREGATE imm_sum(int) (SFUNC = imm_acc, STYPE = bigint)",
          "CREATE AGGREGATE vol_sum(int) (SFUNC = vol_acc, STYPE = bigint)",
          "CREATE AGGREGATE stab_sum(int) (SFUNC = imm_acc, STYPE = bigint, FINALFUNC = stab_final)",
          "CREATE VIEW item_vol_agg AS SELECT vol_sum(id) AS s FROM items",
          "CREATE VIEW item_names AS SELECT id, name FROM items",
          "CREATE VIEW item_vol_op AS SELECT id OPERATOR(s1.##>) 1 AS x FROM items",
          "CREATE VIEW item_imm_op AS SELECT id #+# 1 AS x FROM items",
          "CREATE VIEW item_today AS SELECT id, CURRENT_DATE AS d FROM items",
          "CREATE VIEW item_random AS SELECT id, random() AS r FROM items",
          "CREATE VIEW item_orders AS SELECT i.name, o.qty FROM items i JOIN orders o ON o.item_id = i.id",
          "CREATE VIEW view_of_view AS SELECT * FROM item_today",
          "CREATE MATERIALIZED VIEW item_stats AS SELECT count(*) AS n FROM items",
          "CREATE TABLE events (id int, at date) PARTITION BY RANGE (at)",
          "CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
          "CREATE UNLOGGED TABLE scratch (x int)",
          "CREATE SEQUENCE seq1",
          "CREATE EXTENSION IF NOT EXISTS file_fdw",
          "CREATE SERVER files FOREIGN DATA WRAPPER file_fdw",
          "CREATE FOREIGN TABLE ft (x text) SERVER files OPTIONS (filename '/dev/null')",
          "GRANT ALL ON ALL TABLES IN SCHEMA public, s1 TO " + TestOrigin.APP_USER,
          "GRANT USAGE ON SCHEMA s1 TO " + TestOrigin.APP_USER);
    }
    node = TestNode.start(origin, db, b -> b);
    login = new CatalogInspector.Login(TestOrigin.APP_USER, TestOrigin.APP_PASSWORD, db);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  static Stream<Arguments> table() {
    return Stream.of(
        row("SELECT 1", CACHEABLE),
        row("SELECT * FROM items", CACHEABLE),
        row("SELECT * FROM items WHERE id = $1", CACHEABLE),
        row("select * from ITEMS", CACHEABLE),
        row("SELECT * FROM \"items\"", CACHEABLE),
        row("SELECT now()", "VOLATILE"),
        row("SELECT now() -- a comment", "VOLATILE"),
        row("SELECT 1 -- now()", CACHEABLE),
        row("SELECT 'random()'", CACHEABLE),
        row("SELECT 'random()' AS \"now()\"", CACHEABLE),
        row("SELECT $$random()$$", CACHEABLE),
        row("SELECT $tag$ clock_timestamp() random() $tag$", CACHEABLE),
        row("SELECT /* now() /* nested random() */ still a comment */ 1", CACHEABLE),
        row("SELECT E'it''s \\' random()'", CACHEABLE),
        row("SELECT * FROM items WHERE name = 'it''s'", CACHEABLE),
        row("SELECT random()", "VOLATILE"),
        row("SELECT CURRENT_DATE", "VOLATILE"),
        row("SELECT CURRENT_TIMESTAMP", "VOLATILE"),
        row("SELECT current_timestamp(3)", "VOLATILE"),
        row("SELECT LOCALTIME", "VOLATILE"),
        row("SELECT LOCALTIMESTAMP", "VOLATILE"),
        row("SELECT current_user", "VOLATILE"),
        row("SELECT 'now'::timestamptz", "VOLATILE"),
        row("SELECT * FROM items WHERE created < 'Today'::date", "VOLATILE"),
        row("SELECT 'random()' AS label FROM items", CACHEABLE),
        // Postgres reads 'now()' cast to a date/time type as the current time: any string with the
        // word standing alone counts, cast or not (over-caution costs a hit, never an answer)
        row("SELECT 'now()'::timestamptz", "VOLATILE"),
        row("SELECT 'now()' AS label FROM items", "VOLATILE"),
        row("SELECT imm_fn(2)", CACHEABLE),
        row("SELECT imm_fn(id) FROM items", CACHEABLE),
        row("SELECT stab_fn(2)", "VOLATILE"),
        row("SELECT vol_fn(2)", "VOLATILE"),
        row("SELECT /* outpost:cache */ stab_fn(2)", CACHEABLE),
        row("SELECT /* outpost:cache max-age=300s swr=30s */ stab_fn(2)", CACHEABLE),
        row("SELECT /* outpost:cache */ vol_fn(2)", "VOLATILE"),
        row("SELECT s1.imm2('a')", CACHEABLE),
        row("SELECT s1.vol2('a')", "VOLATILE"),
        row("SELECT public.imm_fn(1)", CACHEABLE),
        // operators run catalog functions the text does not name
        row("SELECT id #+# 1 FROM items", CACHEABLE),
        row("SELECT id #~# 1 FROM items", "VOLATILE"),
        row("SELECT /* outpost:cache */ id #~# 1 FROM items", CACHEABLE),
        row("SELECT id OPERATOR(s1.##>) 1 FROM items", "VOLATILE"),
        row("SELECT 1 FROM items WHERE id ##> 1 > 0", "VOLATILE"),
        row("SELECT '##>' AS op, id FROM items -- ##>", CACHEABLE),
        row("SELECT id % 2 FROM items", "VOLATILE"),
        // user-defined aggregates count as their support functions
        row("SELECT imm_sum(id) FROM items", CACHEABLE),
        row("SELECT vol_sum(id) FROM items", "VOLATILE"),
        row("SELECT /* outpost:cache */ vol_sum(id) FROM items", "VOLATILE"),
        row("SELECT vol_sum(id) OVER () FROM items", "VOLATILE"),
        row("SELECT stab_sum(id) FROM items", "VOLATILE"),
        row("SELECT /* outpost:cache */ stab_sum(id) FROM items", CACHEABLE),
        row("SELECT * FROM item_vol_agg", "VOLATILE"),
        row("SELECT count(*), max(id), string_agg(name, ',') FROM items", CACHEABLE),
        row("SELECT * FROM item_vol_op", "VOLATILE"),
        row("SELECT * FROM item_imm_op", CACHEABLE),
        row("SELECT COALESCE(name, 'x') FROM items", CACHEABLE),
        row("SELECT NULLIF(id, 1) FROM items", CACHEABLE),
        row("SELECT GREATEST(1, 2), LEAST(3, 4)", CACHEABLE),
        row("SELECT CAST(price AS text) FROM items", CACHEABLE),
        row("SELECT EXTRACT(year FROM created) FROM items", CACHEABLE),
        row("SELECT EXISTS (SELECT 1 FROM orders)", CACHEABLE),
        row("SELECT * FROM items WHERE id IN (SELECT item_id FROM orders)", CACHEABLE),
        row("SELECT * FROM items WHERE id = ANY($1::int[])", CACHEABLE),
        row("SELECT * FROM items WHERE id = ANY(ARRAY[1, 2])", CACHEABLE),
        row("SELECT ROW(1, 2)", CACHEABLE),
        row("SELECT price::numeric(10,2) FROM items", CACHEABLE),
        row("SELECT name::varchar(20), id::bigint FROM items", CACHEABLE),
        row("SELECT CAST(price AS numeric(12, 4)) FROM items", CACHEABLE),
        row("SELECT count(*) FROM items", CACHEABLE),
        row("SELECT sum(price), max(id), avg(price) FROM items", CACHEABLE),
        row("SELECT count(*) FILTER (WHERE id > 1) FROM items", CACHEABLE),
        row("SELECT row_number() OVER (ORDER BY id) FROM items", CACHEABLE),
        row("SELECT DISTINCT ON (name) name FROM items", CACHEABLE),
        row("SELECT upper(name), lower(name) FROM items", CACHEABLE),
        row("SELECT * FROM items ORDER BY id LIMIT 10 OFFSET 5", CACHEABLE),
        // every overload of a name counts, and generate_series(timestamptz, …) is STABLE
        row("SELECT * FROM generate_series(1, 10)", "VOLATILE"),
        row("SELECT * FROM items FOR UPDATE", "UNCACHEABLE"),
        row("SELECT * FROM items FOR SHARE", "UNCACHEABLE"),
        row("SELECT 1 FROM items WHERE id = 1 FOR NO KEY UPDATE", "UNCACHEABLE"),
        row("SELECT * INTO newtab FROM items", "WRITE"),
        row("WITH x AS (SELECT * FROM items) SELECT * FROM x", CACHEABLE),
        row("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT * FROM r", CACHEABLE),
        row("WITH x AS (UPDATE items SET name = 'a' RETURNING *) SELECT * FROM x", "WRITE"),
        row("WITH x AS (DELETE FROM orders RETURNING *) SELECT count(*) FROM x", "WRITE"),
        row("VALUES (1), (2)", CACHEABLE),
        row("TABLE items", CACHEABLE),
        row("(SELECT 1) UNION (SELECT 2)", CACHEABLE),
        row("SELECT * FROM item_names", CACHEABLE),
        row("SELECT * FROM item_today", "VOLATILE"),
        row("SELECT * FROM view_of_view", "VOLATILE"),
        row("SELECT * FROM item_random", "VOLATILE"),
        row("SELECT * FROM item_orders", CACHEABLE),
        row("SELECT * FROM item_stats", CACHEABLE),
        row("SELECT * FROM events", CACHEABLE),
        row("SELECT * FROM events_2024", CACHEABLE),
        row("SELECT * FROM scratch", CACHEABLE),
        row("SELECT i.name FROM items i JOIN s1.things t ON t.id = i.id", CACHEABLE),
        row("SELECT * FROM items, LATERAL (SELECT imm_fn(items.id)) x", CACHEABLE),
        row("SELECT last_value FROM seq1", "UNCACHEABLE"),
        row("SELECT nextval('seq1')", "VOLATILE"),
        row("SELECT * FROM ft", "UNCACHEABLE"),
        row("SELECT * FROM pg_class", "UNCACHEABLE"),
        row("SELECT * FROM information_schema.tables", "UNCACHEABLE"),
        row("SELECT * FROM pg_stat_activity", "UNCACHEABLE"),
        row("SELECT * FROM no_such_table", "UNCACHEABLE"),
        row("SELECT * FROM items TABLESAMPLE SYSTEM (10)", "VOLATILE"),
        row("SELECT pg_advisory_lock(1)", "VOLATILE"),
        row("SELECT 1; SELECT 2", "MULTISTATEMENT"),
        row("SELECT 1; UPDATE items SET name = 'x'", "MULTISTATEMENT"),
        row("INSERT INTO items (id) VALUES (1)", "WRITE"),
        row("UPDATE items SET name = 'x'", "WRITE"),
        row("DELETE FROM items", "WRITE"),
        row("TRUNCATE items", "WRITE"),
        row("MERGE INTO items i USING orders o ON o.item_id = i.id WHEN MATCHED THEN UPDATE SET name = 'm'", "WRITE"),
        row("CREATE TABLE t2 (x int)", "WRITE"),
        row("REFRESH MATERIALIZED VIEW item_stats", "WRITE"),
        row("CALL some_procedure()", "WRITE"),
        row("DO $$ BEGIN PERFORM 1; END $$", "WRITE"),
        row("BEGIN", "UNCACHEABLE"),
        row("SET search_path TO public", "UNCACHEABLE"),
        row("SHOW search_path", "UNCACHEABLE"),
        row("EXPLAIN SELECT * FROM items", "UNCACHEABLE"),
        row("COPY items TO STDOUT", "UNCACHEABLE"),
        row("SELECT /* outpost:nocache */ * FROM items", "BYPASS"),
        row("SELECT * FROM items -- outpost:nocache", "BYPASS"));
  }

  private static Arguments row(String sql, String expected) {
    return Arguments.of(sql, expected);
  }

  @Test
  void table_hasAtLeast80Texts() {
    assertThat(table().count()).isGreaterThanOrEqualTo(80);
  }

  @ParameterizedTest(name = "{0} → {1}")
  @MethodSource("table")
  void eligibility(String sql, String expected) throws Exception {
    ReadPlan plan = node.plan(login, sql);
    String actual = plan.isCacheable() ? CACHEABLE : plan.refusal().name();
    assertThat(actual).as("%s (%s)", sql, plan.reason()).isEqualTo(expected);
  }
}
