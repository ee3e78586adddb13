package dev.outpost.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.cache.sql.TableRef;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The value types of the cache API validate themselves. */
class CacheModelTest {

  @Test
  void dependencies_names_areBareAndLowerCased() {
    Dependencies d = Dependencies.of(List.of(TableRef.of("Sales", "Orders"), TableRef.of("items")));
    assertThat(d.tables()).containsExactlyInAnyOrder("orders", "items");
    assertThat(d.allTables()).isFalse();
  }

  @Test
  void dependencies_mixedCaseNames_areLowerCased_andTheSetCannotBeChangedThroughTheCaller() {
    Set<String> given = new java.util.HashSet<>(Set.of("Orders", "items"));
    Dependencies d = new Dependencies(false, given);
    given.add("other");
    assertThat(d.tables()).containsExactlyInAnyOrder("orders", "items");
    assertThatThrownBy(() -> d.tables().add("x")).isInstanceOf(UnsupportedOperationException.class);

    Set<String> normal = Set.of("orders");
    assertThat(new Dependencies(false, normal).tables()).as("an already normal set is kept").isSameAs(normal);
  }

  @Test
  void dependencies_allWithTables_isRejected() {
    assertThatThrownBy(() -> new Dependencies(true, Set.of("t"))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Dependencies.ofNames("")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void freshness_negative_isRejected_andLifetimeSaturates() {
    assertThatThrownBy(() -> new Freshness(Duration.ofSeconds(-1), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    Freshness huge = new Freshness(Duration.ofSeconds(Long.MAX_VALUE), Duration.ofSeconds(Long.MAX_VALUE));
    assertThat(huge.lifetimeNanos()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void cachedResult_viewsAreReadOnlyAndShareBytes() {
    byte[] rows = {1, 2, 3};
    CachedResult r = CachedResult.builder(rows).rowDescription(new byte[] {9}).rowCount(1).createdAtNanos(0).build();
    assertThat(r.rowsAndCompletion().isReadOnly()).isTrue();
    assertThat(r.rowsAndCompletion().remaining()).isEqualTo(3);
    assertThat(r.rowDescription()).isPresent();
    assertThat(r.parameterDescription()).isEmpty();
    assertThat(r.byteSize()).isEqualTo(4);
    assertThat(r.weight()).isGreaterThan(r.byteSize());
  }

  @Test
  void cachedResult_withoutCreationTime_isRejected() {
    assertThatThrownBy(() -> CachedResult.builder(new byte[0]).build()).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void lookup_inconsistentCombinations_areRejected() {
    CachedResult r = CachedResult.builder(new byte[0]).createdAtNanos(0).build();
    assertThatThrownBy(() -> new Lookup(CacheStatus.HIT, Optional.empty(), Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Lookup(CacheStatus.MISS, Optional.of(r), Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Lookup(CacheStatus.WRITE, Optional.empty(), Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void invalidation_allWithTables_isRejected_andNamesNormalize() {
    assertThatThrownBy(() -> new CacheEvent.Invalidation("db", Set.of("t"), true, "n", 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(new CacheEvent.Invalidation("db", Set.of("T"), false, "n", 1).tables()).containsExactly("t");
  }

  @Test
  void stats_missingStatuses_readAsZero() {
    CacheStats s = new CacheStats(java.util.Map.of(CacheStatus.HIT, 3L), 0, 0, 0, 0, 0, 0, 0, 0, 0);
    assertThat(s.count(CacheStatus.HIT)).isEqualTo(3);
    assertThat(s.count(CacheStatus.OVERSIZED)).isZero();
  }
}
