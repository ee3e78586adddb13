package dev.outpost.changefeed;

import static dev.outpost.changefeed.FeedHarness.DEADLINE;
import static dev.outpost.changefeed.FeedHarness.app;
import static dev.outpost.changefeed.FeedHarness.sql;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outpost.changefeed.ChangeFeedStatus.State;
import dev.outpost.testkit.TestOrigin;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link ChangeFeed#check} and the set-up a feed does on start (publication, slot, privileges). */
class OriginCheckIT {

  private final TestOrigin origin = TestOrigin.shared();
  private final List<ChangeFeed> feeds = new ArrayList<>();
  private final List<String> slots = new ArrayList<>();

  @AfterEach
  void cleanUp() {
    feeds.forEach(ChangeFeed::stop);
    slots.forEach(s -> FeedHarness.dropSlot(origin, s));
  }

  private String slot() {
    String s = FeedHarness.newSlot("check");
    slots.add(s);
    return s;
  }

  private ChangeFeed start(ConnectionInfo info, String slot, RecordingSink sink) {
    ChangeFeed f = ChangeFeed.builder(info, FeedHarness.options(slot), sink).build();
    feeds.add(f);
    f.start();
    return f;
  }

  @Test
  void check_readyOrigin_isOk_andSaysTheSlotWillBeCreated() {
    String db = origin.createDatabase("check_ready");
    sql(origin, db, "CREATE PUBLICATION outpost FOR ALL TABLES", "CREATE TABLE t (id int PRIMARY KEY)");
    CheckResult r = ChangeFeed.check(app(origin, db), slot());
    assertThat(r.problems()).isEmpty();
    assertThat(r.ok()).isTrue();
    assertThat(r.warnings()).anyMatch(w -> w.contains("will be created"));
  }

  @Test
  void appRoleWithoutPublication_checkNamesTheSuperuserRequirement_andTheFeedFails() {
    String db = origin.createDatabase("check_nopub");
    String slot = slot();
    CheckResult r = ChangeFeed.check(app(origin, db), slot);
    assertThat(r.ok()).isFalse();
    assertThat(r.summary()).contains("publication outpost does not exist").contains("superuser")
        .contains("CREATE PUBLICATION outpost FOR ALL TABLES");

    ChangeFeed f = start(app(origin, db), slot, new RecordingSink());
    await().atMost(DEADLINE).until(() -> f.status().state() == State.FAILED);
    assertThat(f.status().reason()).contains("superuser");
    assertThat(f.status().running()).isFalse();
    assertThat(FeedHarness.slotExists(origin, slot)).as("no slot is created for a feed that cannot run").isFalse();
  }

  @Test
  void ddlTrigger_missing_isAWarning_installed_isSilent_andItsRowsReachTheFeedAsASchemaChange() {
    String db = origin.createDatabase("check_ddl");
    sql(origin, db, "CREATE PUBLICATION outpost FOR ALL TABLES", "CREATE TABLE t (id int PRIMARY KEY)");
    assertThat(ChangeFeed.check(app(origin, db), slot()).warnings())
        .anyMatch(w -> w.contains("install-ddl-trigger"));
    assertThatThrownBy(() -> DdlTrigger.install(app(origin, db))).isInstanceOf(ChangeFeedException.class)
        .hasMessageContaining("requires a superuser");
    ConnectionInfo su = FeedHarness.superuser(origin, db);
    DdlTrigger.install(su);
    DdlTrigger.install(su); // again: replaces, does not fail
    String slot = slot();
    assertThat(ChangeFeed.check(app(origin, db), slot).warnings()).noneMatch(w -> w.contains("install-ddl-trigger"));

    RecordingSink sink = new RecordingSink();
    ChangeFeed f = start(su, slot, sink);
    try {
      await().atMost(DEADLINE).until(() -> f.status().state() == State.STREAMING);
      sql(origin, db, "ALTER TABLE t ADD COLUMN note text");
      await().atMost(DEADLINE).until(() -> sink.first(DdlTrigger.TABLE) != null);
      assertThat(sink.first(DdlTrigger.TABLE).event().schemaChanged()).isTrue();
    } finally {
      f.dropSlot();
    }
  }

  @Test
  void superuserFeed_createsThePublicationAndSlot_thenStreams() {
    String db = origin.createDatabase("check_create");
    sql(origin, db, "CREATE TABLE t (id int PRIMARY KEY)");
    String slot = slot();
    ConnectionInfo su = FeedHarness.superuser(origin, db);
    assertThat(ChangeFeed.check(su, slot).warnings()).anyMatch(w -> w.contains("publication outpost will be created"));
    RecordingSink sink = new RecordingSink();
    ChangeFeed f = start(su, slot, sink);
    await().atMost(DEADLINE).until(() -> f.status().state() == State.STREAMING);
    sql(origin, db, "INSERT INTO t VALUES (1)");
    await().atMost(DEADLINE).until(() -> sink.first(new TableName("public", "t")) != null);
    assertThat(sink.received().get(0).event().allRelations()).isTrue();
    assertThat(ChangeFeed.check(app(origin, db), slot).ok()).as("a second node's check is now satisfied").isTrue();
  }

  @Test
  void tablesWithoutReplicaIdentity_blockCreatingThePublication() {
    String db = origin.createDatabase("check_noident");
    sql(origin, db, "CREATE TABLE keyless (v int)", "CREATE UNLOGGED TABLE scratch (id int PRIMARY KEY)");
    CheckResult r = ChangeFeed.check(FeedHarness.superuser(origin, db), slot());
    assertThat(r.ok()).isFalse();
    assertThat(r.summary()).contains("reject UPDATE and DELETE").contains("public.keyless").contains("REPLICA IDENTITY");
    assertThat(r.warnings()).anyMatch(w -> w.contains("1 unlogged table(s)"));

    sql(origin, db, "ALTER TABLE keyless REPLICA IDENTITY FULL");
    assertThat(ChangeFeed.check(FeedHarness.superuser(origin, db), slot()).ok()).isTrue();
  }

  @Test
  void narrowPublication_isAProblem() {
    String db = origin.createDatabase("check_narrow");
    sql(origin, db, "CREATE TABLE t (id int PRIMARY KEY)", "CREATE PUBLICATION outpost FOR TABLE t");
    CheckResult r = ChangeFeed.check(app(origin, db), slot());
    assertThat(r.summary()).contains("does not cover all tables");
  }

  @Test
  void roleWithoutReplication_isNamed() {
    String db = origin.createDatabase("check_norepl");
    sql(origin, db, "CREATE PUBLICATION outpost FOR ALL TABLES",
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cf_plain') THEN"
            + " CREATE ROLE cf_plain LOGIN PASSWORD 'plain-pw-1'; END IF; END $$");
    ConnectionInfo plain = ConnectionInfo.plain(origin.host(), origin.port(), db, "cf_plain", "plain-pw-1");
    CheckResult r = ChangeFeed.check(plain, slot());
    assertThat(r.summary()).contains("lacks the REPLICATION attribute").contains("ALTER ROLE cf_plain REPLICATION");
  }

  @Test
  void unreachableOrigin_isAProblem() {
    ConnectionInfo nowhere = ConnectionInfo.plain("127.0.0.1", 1, "postgres", "u", "p");
    CheckResult r = ChangeFeed.check(nowhere, "check_nowhere");
    assertThat(r.ok()).isFalse();
    assertThat(r.judged()).as("nothing was judged").isFalse();
    assertThat(r.summary()).startsWith("cannot connect to the origin").doesNotContain(":p@");
  }

  @Test
  void aRefusedLogin_isAProblemOfAReachableOrigin() {
    ConnectionInfo wrong = ConnectionInfo.plain(origin.host(), origin.port(), "postgres", TestOrigin.APP_USER,
        "not-the-password");
    CheckResult r = ChangeFeed.check(wrong, "check_wrong_password");
    assertThat(r.ok()).isFalse();
    assertThat(r.judged()).as("the origin answered: it refused the login").isTrue();
    assertThat(r.summary()).startsWith("cannot connect to the origin").doesNotContain("not-the-password");
  }

  @Test
  void slotOfAnotherDatabase_isAProblem() {
    String db = origin.createDatabase("check_otherdb");
    String other = origin.createDatabase("check_otherdb2");
    sql(origin, db, "CREATE PUBLICATION outpost FOR ALL TABLES");
    String slot = slot();
    sql(origin, other, "SELECT pg_create_logical_replication_slot('" + slot + "', 'pgoutput')");
    CheckResult r = ChangeFeed.check(app(origin, db), slot);
    assertThat(r.summary()).contains("in database " + other).contains("drop-slot");
  }
}
