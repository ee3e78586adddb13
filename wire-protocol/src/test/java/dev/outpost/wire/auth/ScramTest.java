package dev.outpost.wire.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ScramTest {
  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void client_rfc7677TestVector_producesExpectedProofAndAcceptsServerSignature() throws Exception {
    ScramClient client = new ScramClient("pencil", "user", "rOprNGfwEbeRWgbNEkqO");
    assertThat(new String(client.clientFirst(), StandardCharsets.UTF_8)).isEqualTo("n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
    byte[] clientFinal = client.serverFirst(utf8(
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"));
    assertThat(new String(clientFinal, StandardCharsets.UTF_8)).isEqualTo(
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
    client.serverFinal(utf8("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="));
  }

  @Test
  void client_wrongServerSignature_isRejected() throws Exception {
    ScramClient client = new ScramClient("pencil", "user", "rOprNGfwEbeRWgbNEkqO");
    client.clientFirst();
    client.serverFirst(utf8("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"));
    assertThatThrownBy(() -> client.serverFinal(utf8("v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")))
        .isInstanceOf(AuthenticationFailedException.class);
  }

  @Test
  void serverAndClient_samePassword_authenticateEachOther() throws Exception {
    ScramVerifier verifier = ScramVerifier.fromPassword("s3cret", 4096);
    ScramServer server = new ScramServer(verifier, utf8("alice"));
    ScramClient client = new ScramClient("s3cret");
    byte[] serverFirst = server.clientFirst("SCRAM-SHA-256", client.clientFirst());
    byte[] serverFinal = server.clientFinal(client.serverFirst(serverFirst));
    client.serverFinal(serverFinal);
  }

  @Test
  void server_wrongPassword_fails() throws Exception {
    ScramServer server = new ScramServer(ScramVerifier.fromPassword("right", 4096), utf8("alice"));
    ScramClient client = new ScramClient("wrong");
    byte[] clientFinal = client.serverFirst(server.clientFirst("SCRAM-SHA-256", client.clientFirst()));
    assertThatThrownBy(() -> server.clientFinal(clientFinal))
        .isInstanceOf(AuthenticationFailedException.class).hasMessage("password authentication failed")
        .matches(t -> !((AuthenticationFailedException) t).protocolViolation(), "a wrong password, told as nothing more");
  }

  @Test
  void server_unknownUser_runsTheSameExchangeAndFailsAtTheEnd() throws Exception {
    ScramServer server = new ScramServer(null, utf8("nobody"));
    ScramClient client = new ScramClient("whatever");
    byte[] serverFirst = server.clientFirst("SCRAM-SHA-256", client.clientFirst());
    assertThat(new String(serverFirst, StandardCharsets.UTF_8)).contains(",s=").contains(",i=4096");
    byte[] clientFinal = client.serverFirst(serverFirst);
    assertThatThrownBy(() -> server.clientFinal(clientFinal))
        .isInstanceOf(AuthenticationFailedException.class).hasMessage("password authentication failed");
  }

  @Test
  void server_unknownUser_offersTheSameSaltEveryTime() throws Exception {
    String a = new String(new ScramServer(null, utf8("ghost")).clientFirst("SCRAM-SHA-256", utf8("n,,n=,r=abc")), StandardCharsets.UTF_8);
    String b = new String(new ScramServer(null, utf8("ghost")).clientFirst("SCRAM-SHA-256", utf8("n,,n=,r=abc")), StandardCharsets.UTF_8);
    assertThat(Scram.attribute(a, 's')).isEqualTo(Scram.attribute(b, 's'));
  }

  @Test
  void server_withoutTls_offersOnlyPlainScram_andRefusesABindingRequest() {
    ScramServer server = new ScramServer(ScramVerifier.fromPassword("x", 4096), utf8("u"));
    assertThat(server.mechanisms()).containsExactly("SCRAM-SHA-256");
    assertThatThrownBy(() -> server.clientFirst("SCRAM-SHA-256-PLUS", utf8("p=tls-server-end-point,,n=,r=abc")))
        .isInstanceOf(AuthenticationFailedException.class).hasMessageContaining("invalid SASL authentication mechanism");
    assertThatThrownBy(() -> new ScramServer(ScramVerifier.fromPassword("x", 4096), utf8("u"))
        .clientFirst("SCRAM-SHA-256", utf8("p=tls-server-end-point,,n=,r=abc")))
        .isInstanceOf(AuthenticationFailedException.class).hasMessageContaining("without selecting SCRAM-SHA-256-PLUS");
  }

  private static final byte[] CERT_HASH = Scram.sha256(utf8("the node's certificate"));

  @Test
  void plus_bothSidesBoundToTheSameCertificate_authenticateEachOther() throws Exception {
    ScramServer server = new ScramServer(ScramVerifier.fromPassword("s3cret", 4096), utf8("alice"), CERT_HASH);
    assertThat(server.mechanisms()).containsExactly("SCRAM-SHA-256-PLUS", "SCRAM-SHA-256");
    ScramClient client = new ScramClient("s3cret", CERT_HASH, true);
    assertThat(client.mechanism()).isEqualTo("SCRAM-SHA-256-PLUS");
    byte[] first = client.clientFirst();
    assertThat(new String(first, StandardCharsets.UTF_8)).startsWith("p=tls-server-end-point,,n=,r=");
    byte[] serverFinal = server.clientFinal(client.serverFirst(server.clientFirst(client.mechanism(), first)));
    client.serverFinal(serverFinal);
  }

  @Test
  void plus_aClientThatSawAnotherCertificate_isRefused_evenWithTheRightPassword() throws Exception {
    // a man in the middle terminating TLS with its own certificate relays the exchange unchanged
    ScramServer server = new ScramServer(ScramVerifier.fromPassword("s3cret", 4096), utf8("alice"), CERT_HASH);
    ScramClient client = new ScramClient("s3cret", Scram.sha256(utf8("the attacker's certificate")), true);
    byte[] clientFinal = client.serverFirst(server.clientFirst(client.mechanism(), client.clientFirst()));
    assertThatThrownBy(() -> server.clientFinal(clientFinal))
        .isInstanceOf(AuthenticationFailedException.class).hasMessage("SCRAM channel binding check failed")
        .matches(t -> ((AuthenticationFailedException) t).protocolViolation(), "a protocol violation, not a wrong password");
  }

  @Test
  void plus_offeredButAClientThatCouldBindSaysItWasNot_isRefusedAsADowngrade() throws Exception {
    ScramServer server = new ScramServer(ScramVerifier.fromPassword("s3cret", 4096), utf8("alice"), CERT_HASH);
    ScramClient client = new ScramClient("s3cret", CERT_HASH, false);
    assertThat(client.mechanism()).isEqualTo("SCRAM-SHA-256");
    byte[] first = client.clientFirst();
    assertThat(new String(first, StandardCharsets.UTF_8)).startsWith("y,,");
    assertThatThrownBy(() -> server.clientFirst(client.mechanism(), first))
        .isInstanceOf(AuthenticationFailedException.class).hasMessageContaining("negotiation error");
  }

  @Test
  void plus_offered_aClientWithoutBinding_stillLogsInWithPlainScram() throws Exception {
    ScramServer server = new ScramServer(ScramVerifier.fromPassword("s3cret", 4096), utf8("alice"), CERT_HASH);
    ScramClient client = new ScramClient("s3cret");
    byte[] serverFinal = server.clientFinal(client.serverFirst(server.clientFirst(client.mechanism(), client.clientFirst())));
    client.serverFinal(serverFinal);
  }

  @Test
  void plus_selectedWithAnotherBindingType_isRefused() {
    ScramServer server = new ScramServer(ScramVerifier.fromPassword("x", 4096), utf8("u"), CERT_HASH);
    assertThatThrownBy(() -> server.clientFirst("SCRAM-SHA-256-PLUS", utf8("p=tls-unique,,n=,r=abc")))
        .isInstanceOf(AuthenticationFailedException.class).hasMessageContaining("tls-unique");
  }

  @Test
  void channelBinding_hashFollowsTheSignatureAlgorithm_sha256ForMd5AndSha1() {
    assertThat(ChannelBinding.hashOf("SHA256withRSA")).isEqualTo("SHA-256");
    assertThat(ChannelBinding.hashOf("SHA1withRSA")).isEqualTo("SHA-256");
    assertThat(ChannelBinding.hashOf("MD5withRSA")).isEqualTo("SHA-256");
    assertThat(ChannelBinding.hashOf("SHA384withECDSA")).isEqualTo("SHA-384");
    assertThat(ChannelBinding.hashOf("SHA512withRSA")).isEqualTo("SHA-512");
    assertThat(ChannelBinding.hashOf("Ed25519")).isNull();
    assertThat(ChannelBinding.hashOf("RSASSA-PSS")).isNull();
  }

  @Test
  void server_malformedClientFirst_isRefused() {
    ScramServer server = new ScramServer(ScramVerifier.fromPassword("x", 4096), utf8("u"));
    assertThatThrownBy(() -> server.clientFirst("SCRAM-SHA-256", utf8("garbage"))).isInstanceOf(AuthenticationFailedException.class);
  }

  @Test
  void verifier_formatThenParse_roundTrips() {
    ScramVerifier v = ScramVerifier.fromPassword("pw", 4096);
    assertThat(ScramVerifier.parse(v.format())).isEqualTo(v);
    assertThat(v.toString()).doesNotContain(v.format());
  }

  @Test
  void verifier_knownPostgresSecret_matchesPassword() {
    // Computed from password "pencil" with the RFC 7677 salt, as Postgres stores it in pg_authid.
    ScramVerifier fromPassword = ScramVerifier.fromPassword("pencil",
        java.util.Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096);
    ScramVerifier parsed = ScramVerifier.parse(fromPassword.format());
    assertThat(parsed.format()).startsWith("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$");
    assertThat(parsed).isEqualTo(fromPassword);
  }

  @Test
  void verifier_malformedText_isRejectedWithoutEchoingIt() {
    assertThatThrownBy(() -> ScramVerifier.parse("SCRAM-SHA-256$zz:abc$def"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("def");
    assertThat(ScramVerifier.looksLikeVerifier("plainpassword")).isFalse();
  }

  @Test
  void md5_knownValue_matchesPostgres() {
    // SELECT 'md5' || md5('secret' || 'alice') in Postgres gives this value.
    assertThat(Md5Password.stored("alice", "secret")).isEqualTo("md5" + md5("secretalice"));
    byte[] salt = {1, 2, 3, 4};
    String expected = "md5" + md5(md5("secretalice") + new String(salt, StandardCharsets.ISO_8859_1));
    assertThat(Md5Password.response("alice", "secret", salt)).isEqualTo(expected);
    assertThat(Md5Password.matches(expected, Md5Password.responseFromStored(Md5Password.stored("alice", "secret"), salt))).isTrue();
    assertThat(Md5Password.matches(expected, "md5nope")).isFalse();
  }

  private static String md5(String s) {
    try {
      return java.util.HexFormat.of().formatHex(
          java.security.MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.ISO_8859_1)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
