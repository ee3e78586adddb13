package dev.outpost.proxy.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.cache.sql.TableRef;
import dev.outpost.proxy.config.OriginUrl;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** What the inspector does once the node is closing: lookups fail as "unknown", quietly. */
class CatalogInspectorTest {
  private static final CatalogInspector.Login LOGIN = new CatalogInspector.Login("app", "secret", "shop");

  @Test
  void afterClose_lookupsCompleteExceptionally_insteadOfThrowingAtTheCaller() {
    CatalogInspector inspector = new CatalogInspector(
        OriginUrl.parse("postgresql://app:secret@127.0.0.1:1/shop?sslmode=disable"), Duration.ofSeconds(60));
    inspector.close();

    CompletableFuture<FunctionFacts> f = inspector.function(LOGIN, null, "lower");
    CompletableFuture<RelationFacts> r = inspector.relation(LOGIN, TableRef.of("items"));

    assertThat(f).isCompletedExceptionally();
    assertThat(r).isCompletedExceptionally();
    assertThat(inspector.function(LOGIN, null, "lower")).as("a failure is not memoized").isNotSameAs(f);
  }

  @Test
  void changes_moveOnWithEveryForget_soAnAnswerDerivedFromFactsIsAskedAgain() {
    CatalogInspector inspector = new CatalogInspector(
        OriginUrl.parse("postgresql://app:secret@127.0.0.1:1/shop?sslmode=disable"), Duration.ofSeconds(60));
    try {
      long before = inspector.changes();
      inspector.forget("shop");
      assertThat(inspector.changes()).isGreaterThan(before);
      long afterForget = inspector.changes();
      inspector.forget("other");
      assertThat(inspector.changes()).isGreaterThan(afterForget);
    } finally {
      inspector.close();
    }
  }
}
