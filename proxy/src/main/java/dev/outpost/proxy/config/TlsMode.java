package dev.outpost.proxy.config;

import java.util.Locale;

/** Whether clients may, or must, talk to Outpost over TLS (DESIGN §9). */
public enum TlsMode {
  /** No TLS: an SSLRequest is answered {@code N}. */
  DISABLE,
  /** TLS is offered to clients that ask for it; plaintext clients are accepted as well. */
  ALLOW,
  /** Only TLS clients are accepted; a plaintext startup is refused. */
  REQUIRE;

  /** Reads {@code disable}, {@code allow} or {@code require} (any case). */
  public static TlsMode parse(String text) {
    try {
      return valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IllegalArgumentException("invalid tls-mode '" + text + "': allowed are disable, allow, require");
    }
  }

  /** True when an SSLRequest is answered {@code S} (a certificate and key are configured). */
  public boolean offersTls() {
    return this != DISABLE;
  }

  /** True when a client that does not ask for TLS may still connect. */
  public boolean acceptsPlaintext() {
    return this != REQUIRE;
  }

  /** The spelling used in the config file. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
