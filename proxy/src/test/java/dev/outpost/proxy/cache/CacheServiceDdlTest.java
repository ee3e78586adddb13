package dev.outpost.proxy.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.cache.sql.StatementClassifier;
import org.junit.jupiter.api.Test;

/** Which writes are schema changes (every node forgets its catalog facts) and which are not. */
class CacheServiceDdlTest {
  private static boolean ddl(String sql) {
    return CacheService.isDdl(StatementClassifier.classify(sql));
  }

  @Test
  void ddl_isASchemaChange_inAnyStatementOfAText() {
    assertThat(ddl("ALTER TABLE t ADD COLUMN c int")).isTrue();
    assertThat(ddl("CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'")).isTrue();
    assertThat(ddl("GRANT SELECT ON t TO bob")).isTrue();
    assertThat(ddl("CREATE UNLOGGED TABLE u (a int)")).isTrue();
    assertThat(ddl("INSERT INTO t VALUES (1); CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()"))
        .as("the DDL is the second statement").isTrue();
  }

  @Test
  void dml_maintenance_andTemporaryObjects_areNot() {
    assertThat(ddl("INSERT INTO t VALUES (1)")).isFalse();
    assertThat(ddl("UPDATE t SET a = 1; DELETE FROM u")).isFalse();
    assertThat(ddl("VACUUM FULL t")).isFalse();
    assertThat(ddl("CREATE TEMP TABLE s (a int) ON COMMIT DROP")).isFalse();
    assertThat(ddl("create  TEMPORARY table s as select 1")).isFalse();
    assertThat(ddl("CREATE GLOBAL TEMPORARY TABLE s (a int)")).isFalse();
    assertThat(ddl("CREATE TABLE temp (a int)")).as("a table named temp").isTrue();
  }
}
