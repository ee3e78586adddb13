package dev.outpost.proxy.session;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ShownColumnsTest {
  @Test
  void remembersTheLastColumnsPerText_forTheMostRecentlyDescribedTexts() {
    ShownColumns shown = new ShownColumns();
    shown.shown("SELECT 1", 11);
    shown.shown("SELECT 1", 12);
    assertThat(shown.of("SELECT 1")).as("the last given").isEqualTo(12);
    assertThat(shown.of("SELECT 2")).as("never given").isZero();

    shown.shown("SELECT 2", 0);
    assertThat(shown.of("SELECT 2")).as("0 is no description").isZero();

    for (int i = 0; i < ShownColumns.CAPACITY; i++) {
      shown.shown("SELECT " + (100 + i), 100 + i);
    }
    assertThat(shown.of("SELECT 1")).as("evicted by newer texts").isZero();
    assertThat(shown.of("SELECT 100")).isEqualTo(100);
    assertThat(shown.of("SELECT " + (99 + ShownColumns.CAPACITY))).isEqualTo(99 + ShownColumns.CAPACITY);
  }
}
