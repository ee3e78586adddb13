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

/** A test certificate authority and a server certificate for localhost / 127.0.0.1, as PEM files. */
final class TestCertificates {
  final Path ca;
  final Path cert;
  final Path key;

  private TestCertificates(Path ca, Path cert, Path key) {
    this.ca = ca;
    this.cert = cert;
    this.key = key;
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
    Path ca = dir.resolve("ca.pem");
    Path cert = dir.resolve("server.pem");
    Path key = dir.resolve("server.key");
    Files.writeString(ca, pem(caCert));
    Files.writeString(cert, pem(serverCert));
    Files.writeString(key, pem(new JcaPKCS8Generator(serverKeys.getPrivate(), null).generate()));
    try {
      Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: Postgres would refuse the key there anyway
    }
    return new TestCertificates(ca, cert, key);
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
