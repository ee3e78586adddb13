package dev.outpost.cache.sql;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which writes make the node forget its catalog facts. */
class SchemaChangesTest {

  @Test
  void doBlock_withDdlOrDynamicSql_isASchemaChange() {
    assertThat(SchemaChanges.isSchemaChange(
        "DO $$ BEGIN EXECUTE 'CREATE OR REPLACE VIEW v AS SELECT 2'; END $$")).isTrue();
    assertThat(SchemaChanges.isSchemaChange("do $$ begin Drop Table t; end $$")).isTrue();
    assertThat(SchemaChanges.isSchemaChange("DO LANGUAGE plpgsql $x$ BEGIN ALTER TABLE t ADD c int; END $x$"))
        .isTrue();
  }

  @Test
  void doBlock_withDataChangesOnly_isNot() {
    assertThat(SchemaChanges.isSchemaChange("DO $$ BEGIN UPDATE t SET created_at = now(); DELETE FROM u; END $$"))
        .isFalse();
    assertThat(SchemaChanges.isSchemaChange("DO $$ BEGIN PERFORM pg_sleep(0); END $$")).isFalse();
  }

  @Test
  void callAndDml_areNot_ddlIs() {
    assertThat(SchemaChanges.isSchemaChange("CALL p(1)")).isFalse();
    assertThat(SchemaChanges.isSchemaChange("UPDATE t SET a = 1")).isFalse();
    assertThat(SchemaChanges.isSchemaChange("CREATE VIEW v AS SELECT 1")).isTrue();
    assertThat(SchemaChanges.isSchemaChange("CREATE TEMP TABLE tt (a int)")).isFalse();
  }
}
