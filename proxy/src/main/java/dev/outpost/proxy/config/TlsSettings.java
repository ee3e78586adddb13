package dev.outpost.proxy.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * TLS towards clients (DESIGN §9): {@code tls-mode}, {@code tls-cert} and {@code tls-key}.
 *
 * <p>Guarantees: with TLS offered, both PEM files are named; with TLS off, neither is (a
 * certificate without a mode would otherwise leave the node silently in plaintext). Whether the
 * files exist and hold PEM is checked when a configuration is loaded from its sources, not here.
 *
 * @param mode disable, allow or require
 * @param cert the certificate chain (PEM), or null when TLS is off
 * @param key the private key (PEM, PKCS#8), or null when TLS is off
 */
public record TlsSettings(TlsMode mode, Path cert, Path key) {

  /** No TLS. */
  public static final TlsSettings DISABLED = new TlsSettings(TlsMode.DISABLE, null, null);

  /** Checks the guarantees of the class comment. */
  public TlsSettings {
    Objects.requireNonNull(mode, "tls-mode");
    Problems p = new Problems();
    if (mode.offersTls()) {
      p.check(cert != null, () -> "tls-cert: missing (required when tls-mode is " + mode.label() + ")");
      p.check(key != null, () -> "tls-key: missing (required when tls-mode is " + mode.label() + ")");
    } else {
      p.check(cert == null && key == null,
          () -> "tls-mode: \"disable\" leaves tls-cert/tls-key unused (allowed: set tls-mode to allow or require,"
              + " or remove the files)");
    }
    p.throwIfAny();
  }
}
