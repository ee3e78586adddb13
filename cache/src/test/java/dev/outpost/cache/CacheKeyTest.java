package dev.outpost.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CacheKeyTest {

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static CacheKey.Builder base() {
    return CacheKey.builder("db", "alice", "SELECT * FROM t WHERE id = $1")
        .settings(Map.of("search_path", "public", "timezone", "UTC"))
        .protocol(QueryProtocol.EXTENDED)
        .parameterTypes(23)
        .parameterFormats((short) 0)
        .parameterValues(b("42"))
        .resultFormats((short) 1);
  }

  @Test
  void equals_identicalTuples_areEqualWithEqualHash() {
    assertThat(base().build()).isEqualTo(base().build()).hasSameHashCodeAs(base().build());
  }

  @Test
  void equals_differentDatabase_notEqual() {
    CacheKey other = CacheKey.builder("db2", "alice", "SELECT * FROM t WHERE id = $1")
        .settings(Map.of("search_path", "public", "timezone", "UTC")).protocol(QueryProtocol.EXTENDED)
        .parameterTypes(23).parameterValues(b("42")).resultFormats((short) 1).build();
    assertThat(other).isNotEqualTo(base().build());
  }

  @Test
  void equals_differentRole_notEqual() {
    CacheKey other = CacheKey.builder("db", "bob", "SELECT * FROM t WHERE id = $1")
        .settings(Map.of("search_path", "public", "timezone", "UTC")).protocol(QueryProtocol.EXTENDED)
        .parameterTypes(23).parameterValues(b("42")).resultFormats((short) 1).build();
    assertThat(other).isNotEqualTo(base().build());
  }

  @Test
  void equals_differentSettings_notEqual() {
    assertThat(base().settings(Map.of("search_path", "public", "timezone", "Europe/Paris")).build())
        .isNotEqualTo(base().build());
  }

  @Test
  void equals_differentStatement_notEqual() {
    CacheKey other = CacheKey.builder("db", "alice", "SELECT * FROM t WHERE id = $2")
        .settings(Map.of("search_path", "public", "timezone", "UTC")).protocol(QueryProtocol.EXTENDED)
        .parameterTypes(23).parameterValues(b("42")).resultFormats((short) 1).build();
    assertThat(other).isNotEqualTo(base().build());
  }

  @Test
  void equals_differentProtocol_notEqual() {
    assertThat(base().protocol(QueryProtocol.SIMPLE).build()).isNotEqualTo(base().build());
  }

  @Test
  void equals_differentParameterTypes_notEqual() {
    assertThat(base().parameterTypes(20).build()).isNotEqualTo(base().build());
  }

  @Test
  void equals_differentParameterFormats_notEqual() {
    assertThat(base().parameterFormats((short) 1).build()).isNotEqualTo(base().build());
  }

  @Test
  void equals_differentParameterValues_notEqual() {
    assertThat(base().parameterValues(b("43")).build()).isNotEqualTo(base().build());
  }

  @Test
  void equals_nullParameterVersusEmptyParameter_notEqual() {
    assertThat(base().parameterValues((byte[]) null).build())
        .isNotEqualTo(base().parameterValues(new byte[0]).build());
    assertThat(base().parameterValues((byte[]) null).build()).isEqualTo(base().parameterValues((byte[]) null).build());
  }

  @Test
  void equals_differentResultFormats_notEqual() {
    assertThat(base().resultFormats((short) 0).build()).isNotEqualTo(base().build());
  }

  @Test
  void equals_differentRowLimit_notEqual_andNoneMeansAllRows() {
    assertThat(base().rowLimit(1).build()).isNotEqualTo(base().build()).isNotEqualTo(base().rowLimit(2).build())
        .isEqualTo(base().rowLimit(1).build());
    assertThat(base().rowLimit(0).build()).isEqualTo(base().build());
    assertThat(base().rowLimit(1).build().rowLimit()).isEqualTo(1);
    assertThatThrownBy(() -> base().rowLimit(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void equals_sameHashDifferentContent_stillComparesContent() {
    // "Aa" and "BB" have the same String hash code; the keys must still differ.
    CacheKey a = CacheKey.builder("db", "r", "Aa").build();
    CacheKey b = CacheKey.builder("db", "r", "BB").build();
    assertThat(a.hashCode()).isEqualTo(b.hashCode());
    assertThat(a).isNotEqualTo(b);
  }

  @Test
  void parameterFormats_noneOneOrAllText_normalizeToTheSameKey() {
    CacheKey none = base().parameterValues(b("1"), b("2")).parameterFormats().build();
    CacheKey one = base().parameterValues(b("1"), b("2")).parameterFormats((short) 0).build();
    CacheKey each = base().parameterValues(b("1"), b("2")).parameterFormats((short) 0, (short) 0).build();
    assertThat(none).isEqualTo(one).isEqualTo(each);
    assertThat(none.parameterFormats()).containsExactly(0, 0);
  }

  @Test
  void parameterFormats_singleBinary_appliesToAll() {
    CacheKey one = base().parameterValues(b("1"), b("2")).parameterFormats((short) 1).build();
    CacheKey each = base().parameterValues(b("1"), b("2")).parameterFormats((short) 1, (short) 1).build();
    assertThat(one).isEqualTo(each);
  }

  @Test
  void resultFormats_noneAndSingleText_areEquivalent() {
    assertThat(base().resultFormats().build()).isEqualTo(base().resultFormats((short) 0).build());
    assertThat(base().resultFormats((short) 1).build()).isNotEqualTo(base().resultFormats((short) 1, (short) 1).build());
  }

  @Test
  void settings_orderAndNameCase_doNotMatter() {
    Map<String, String> a = new LinkedHashMap<>();
    a.put("TimeZone", "UTC");
    a.put("search_path", "public");
    Map<String, String> b = new LinkedHashMap<>();
    b.put("search_path", "public");
    b.put("timezone", "UTC");
    assertThat(CacheKey.canonicalSettings(a)).isEqualTo(CacheKey.canonicalSettings(b));
  }

  @Test
  void settings_canonicalForm_isUnambiguous() {
    assertThat(CacheKey.canonicalSettings(Map.of("a", "b;1:c=d")))
        .isNotEqualTo(CacheKey.canonicalSettings(Map.of("a", "b", "c", "d")));
  }

  @Test
  void settings_duplicateNameInDifferentCase_isRejected() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("TimeZone", "UTC");
    m.put("timezone", "UTC");
    assertThatThrownBy(() -> CacheKey.canonicalSettings(m)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void builder_copiesArrays_laterMutationDoesNotChangeKey() {
    byte[] value = b("42");
    CacheKey key = base().parameterValues(value).build();
    value[0] = 'x';
    assertThat(key).isEqualTo(base().build());
    key.parameterValue(0)[0] = 'y';
    assertThat(key).isEqualTo(base().build());
  }

  @Test
  void toString_neverShowsParameterValues() {
    assertThat(base().parameterValues(b("s3cret")).build().toString()).doesNotContain("s3cret");
  }

  @Test
  void weight_growsWithParameterBytes() {
    assertThat(base().parameterValues(new byte[1000]).build().weight())
        .isGreaterThan(base().build().weight() + 900);
  }
}
