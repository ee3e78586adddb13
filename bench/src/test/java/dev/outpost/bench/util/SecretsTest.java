package dev.outpost.bench.util;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SecretsTest {

  @Test
  void mask_hidesThePasswordOfAUrl() {
    assertThat(Secrets.mask("--origin postgresql://app:s3cr:et@127.0.0.1:5432/db"))
        .isEqualTo("--origin postgresql://app:***@127.0.0.1:5432/db");
  }

  @Test
  void mask_hidesPasswordParameters() {
    assertThat(Secrets.mask("jdbc:postgresql://h/db?user=a&password=xyz&ssl=false"))
        .isEqualTo("jdbc:postgresql://h/db?user=a&password=***&ssl=false");
  }

  @Test
  void mask_leavesUrlsWithoutPasswordAlone() {
    assertThat(Secrets.mask("postgresql://app@h:5432/db")).isEqualTo("postgresql://app@h:5432/db");
  }
}
