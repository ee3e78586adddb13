package dev.outpost.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ZipfianKeysTest {

  @Test
  void next_staysWithinOneToN() {
    ZipfianKeys keys = new ZipfianKeys(1_000, 0.99);
    SplittableRandom random = new SplittableRandom(1);
    for (int i = 0; i < 100_000; i++) {
      assertThat(keys.next(random)).isBetween(1L, 1_000L);
    }
  }

  @Test
  void next_makesLowKeysTheHotOnes() {
    ZipfianKeys keys = new ZipfianKeys(10_000, 0.99);
    SplittableRandom random = new SplittableRandom(7);
    long[] counts = new long[10_001];
    int draws = 200_000;
    for (int i = 0; i < draws; i++) {
      counts[(int) keys.next(random)]++;
    }
    long top10 = 0;
    for (int k = 1; k <= 10; k++) {
      top10 += counts[k];
    }
    // Under Zipf(0.99) over 10,000 keys the ten hottest carry about a quarter of all draws;
    // uniform keys would give them 0.1%.
    assertThat(top10).isGreaterThan(draws / 8);
    assertThat(counts[1]).isGreaterThan(counts[2]).isGreaterThan(counts[100]);
  }

  @Test
  void sameSeed_sameKeys() {
    ZipfianKeys keys = new ZipfianKeys(500, 0.9);
    SplittableRandom a = new SplittableRandom(42);
    SplittableRandom b = new SplittableRandom(42);
    for (int i = 0; i < 1_000; i++) {
      assertThat(keys.next(a)).isEqualTo(keys.next(b));
    }
  }

  @Test
  void constructor_rejectsExponentsOutsideTheGeneratorsRange() {
    assertThatThrownBy(() -> new ZipfianKeys(10, 1.0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ZipfianKeys(0, 0.5)).isInstanceOf(IllegalArgumentException.class);
  }
}
