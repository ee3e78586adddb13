package dev.outpost.wire.auth;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Locale;

/**
 * SCRAM channel binding of type {@code tls-server-end-point} (RFC 5929), the one Postgres
 * supports: the data bound into the exchange is the hash of the TLS server's certificate, so a
 * man in the middle that terminates TLS with another certificate cannot relay the proof.
 */
public final class ChannelBinding {
  /** The channel-binding type named in the GS2 header. */
  public static final String TYPE = "tls-server-end-point";

  private ChannelBinding() {}

  /**
   * The binding data of a TLS connection whose server presented {@code certificate}: the
   * certificate's DER bytes hashed with the hash of its signature algorithm, SHA-256 for MD5 and
   * SHA-1 (RFC 5929 section 4.1). Null when the certificate is not X.509 or its signature algorithm
   * names no hash (Ed25519, RSASSA-PSS): Postgres offers no channel binding with those either.
   */
  public static byte[] serverEndPoint(Certificate certificate) {
    if (!(certificate instanceof X509Certificate x509)) {
      return null;
    }
    String hash = hashOf(x509.getSigAlgName());
    if (hash == null) {
      return null;
    }
    try {
      return MessageDigest.getInstance(hash).digest(x509.getEncoded());
    } catch (CertificateEncodingException e) {
      return null;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(hash + " is not available", e);
    }
  }

  /** The JCA digest of a signature algorithm name such as "SHA256withRSA", or null. */
  static String hashOf(String signatureAlgorithm) {
    String a = signatureAlgorithm.toUpperCase(Locale.ROOT);
    int with = a.indexOf("WITH");
    if (with < 0) {
      return null;
    }
    switch (a.substring(0, with).replace("-", "")) {
      case "MD5":
      case "SHA1":
      case "SHA256":
        return "SHA-256";
      case "SHA224":
        return "SHA-224";
      case "SHA384":
        return "SHA-384";
      case "SHA512":
        return "SHA-512";
      default:
        return null;
    }
  }
}
