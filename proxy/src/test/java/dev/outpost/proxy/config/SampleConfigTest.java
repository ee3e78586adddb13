package dev.outpost.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped sample configuration, src/conf/outpost.yaml, against the key table and the loader. */
class SampleConfigTest {
  private static final Path SAMPLE = Path.of("..", "src", "conf", "outpost.yaml");
  private static final String ORIGIN = "postgresql://outpost:pw@db.example.com:5432/app";

  @TempDir
  Path dir;

  /**
   * The sample with its examples uncommented: a line "#key: ..." starts an example, and the lines
   * "#  ..." right after it continue it; prose lines start with "# " and stay comments.
   */
  private static String uncommented(List<String> lines) {
    List<String> out = new ArrayList<>();
    boolean inExample = false;
    for (String line : lines) {
      boolean starts = line.matches("#[a-z].*");
      boolean continues = inExample && line.startsWith("#  ");
      inExample = starts || continues;
      out.add(inExample ? line.substring(1) : line);
    }
    return String.join("\n", out) + "\n";
  }

  @Test
  void sample_asShipped_loadsToTheDefaults() {
    ProxyConfig loaded = ConfigLoader.load(SAMPLE, Map.of("OUTPOST_ORIGIN", ORIGIN), Map.of());

    assertThat(loaded).isEqualTo(ProxyConfig.builder(OriginUrl.parse(ORIGIN)).build());
  }

  @Test
  void sample_documentsEveryKey() throws IOException {
    List<String> lines = Files.readAllLines(SAMPLE);

    for (ConfigKey<?> k : ConfigKeys.all()) {
      assertThat(lines).as(k.name()).anyMatch(l -> l.startsWith("#" + k.name() + ":"));
    }
  }

  @Test
  void sample_withEveryExampleUncommented_loads() throws IOException {
    Path yaml = dir.resolve("outpost.yaml");
    Files.writeString(yaml, uncommented(Files.readAllLines(SAMPLE)));
    // The example files do not exist here; the flags name real ones, and TLS on so they are used.
    Path pem = dir.resolve("test.pem");
    Files.writeString(pem, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    Map<String, String> flags = Map.of("tls-mode", "require", "tls-cert", pem.toString(), "tls-key", pem.toString(),
        "origin-ssl-root-cert", pem.toString());

    ProxyConfig c = ConfigLoader.load(yaml, Map.of(), flags);

    assertThat(c.origin().host()).isEqualTo("db.example.com");
    assertThat(c.users()).extracting(UserEntry::name).containsExactly("app", "reporting");
    assertThat(c.users().get(1).verifier().iterations()).isEqualTo(4096);
    assertThat(c.admin().enabled()).isTrue();
    assertThat(c.cache().rules()).hasSize(2);
    assertThat(c.metrics()).isEqualTo(new HostPort("127.0.0.1", 9187));
    assertThat(c.cluster().region()).isEqualTo("eu-west");
    assertThat(c.cluster().relayPeers()).hasSize(2);
    assertThat(c.changeFeedSlot()).isEqualTo("outpost_eu_west");
    assertThat(c.cluster().toClusterConfig().relayEnabled()).isTrue();
  }
}
