package dev.outpost.proxy;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A test certificate authority, a server certificate for localhost / 127.0.0.1 and a client
 * certificate for the test origin's application role, as PEM files (keys unencrypted PKCS#8; the
 * client key also as PKCS#1).
 */
final class TestCertificates {
  final Path ca;
  final Path cert;
  final Path key;
  /** A client certificate for CN={@link dev.outpost.testkit.TestOrigin#APP_USER}, signed by {@link #ca}. */
  final Path clientCert;
  final Path clientKey;
  /** The same client key in the older PKCS#1 form (-----BEGIN RSA PRIVATE KEY-----). */
  final Path clientKeyPkcs1;

  private TestCertificates(Path ca, Path cert, Path key, Path clientCert, Path clientKey, Path clientKeyPkcs1) {
    this.ca = ca;
    this.cert = cert;
    this.key = key;
    this.clientCert = clientCert;
    this.clientKey = clientKey;
    this.clientKeyPkcs1 = clientKeyPkcs1;
  }

  static TestCertificates generate(Path dir) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    KeyPair caKeys = g.generateKeyPair();
    KeyPair serverKeys = g.generateKeyPair();
    Instant now = Instant.now();
    X500Name caName = new X500Name("CN=Outpost Test CA");
    X509v3CertificateBuilder caBuilder = new JcaX509v3CertificateBuilder(caName, BigInteger.ONE,
        Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(30))), caName,
        caKeys.getPublic());
    caBuilder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    caBuilder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    X509Certificate caCert = sign(caBuilder, caKeys.getPrivate());
    X509v3CertificateBuilder serverBuilder = new JcaX509v3CertificateBuilder(caName, BigInteger.TWO,
        Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(30))),
        new X500Name("CN=localhost"), serverKeys.getPublic());
    serverBuilder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
        new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
    X509Certificate serverCert = sign(serverBuilder, caKeys.getPrivate());
    KeyPair clientKeys = g.generateKeyPair();
    X509Certificate clientCert = sign(new JcaX509v3CertificateBuilder(caName, BigInteger.valueOf(3),
        Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(30))),
        new X500Name("CN=" + dev.outpost.testkit.TestOrigin.APP_USER), clientKeys.getPublic()), caKeys.getPrivate());
    Path ca = dir.resolve("ca.pem");
    Path cert = dir.resolve("server.pem");
    Path key = dir.resolve("server.key");
    Files.writeString(ca, pem(caCert));
    Files.writeString(cert, pem(serverCert));
    writeKey(key, pem(new JcaPKCS8Generator(serverKeys.getPrivate(), null).generate()));
    Path client = dir.resolve("client.pem");
    Path clientKey = dir.resolve("client.key");
    Path clientKeyPkcs1 = dir.resolve("client-pkcs1.key");
    Files.writeString(client, pem(clientCert));
    writeKey(clientKey, pem(new JcaPKCS8Generator(clientKeys.getPrivate(), null).generate()));
    writeKey(clientKeyPkcs1, pem(clientKeys.getPrivate()));
    return new TestCertificates(ca, cert, key, client, clientKey, clientKeyPkcs1);
  }

  private static void writeKey(Path key, String text) throws IOException {
    Files.writeString(key, text);
    try {
      Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: Postgres would refuse the key there anyway
    }
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey signer) throws Exception {
    ContentSigner s = new JcaContentSignerBuilder("SHA256withRSA").build(signer);
    return new JcaX509CertificateConverter().getCertificate(b.build(s));
  }

  private static String pem(Object o) throws IOException {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter p = new JcaPEMWriter(w)) {
      p.writeObject(o);
    }
    return w.toString();
  }
}
