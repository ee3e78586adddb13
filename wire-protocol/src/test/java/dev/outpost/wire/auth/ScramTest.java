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
    byte[] serverFirst = server.clientFirst(client.clientFirst());
    byte[] serverFinal = server.clientFinal(client.serverFirst(serverFirst));
    client.serverFinal(serverFinal);
  }

  @Test
  void server_wrongPassword_fails() throws Exception {
    ScramServer server = new ScramServer(ScramVerifier.fromPassword("right", 4096), utf8("alice"));
    ScramClient client = new ScramClient("wrong");
    byte[] clientFinal = client.serverFirst(server.clientFirst(client.clientFirst()));
    assertThatThrownBy(() -> server.clientFinal(clientFinal))
        .isInstanceOf(AuthenticationFailedException.class).hasMessage("password authentication failed");
  }

  @Test
  void server_unknownUser_runsTheSameExchangeAndFailsAtTheEnd() throws Exception {
    ScramServer server = new ScramServer(null, utf8("nobody"));
    ScramClient client = new ScramClient("whatever");
    byte[] serverFirst = server.clientFirst(client.clientFirst());
    assertThat(new String(serverFirst, StandardCharsets.UTF_8)).contains(",s=").contains(",i=4096");
    byte[] clientFinal = client.serverFirst(serverFirst);
    assertThatThrownBy(() -> server.clientFinal(clientFinal))
        .isInstanceOf(AuthenticationFailedException.class).hasMessage("password authentication failed");
  }

  @Test
  void server_unknownUser_offersTheSameSaltEveryTime() throws Exception {
    String a = new String(new ScramServer(null, utf8("ghost")).clientFirst(utf8("n,,n=,r=abc")), StandardCharsets.UTF_8);
    String b = new String(new ScramServer(null, utf8("ghost")).clientFirst(utf8("n,,n=,r=abc")), StandardCharsets.UTF_8);
    assertThat(Scram.attribute(a, 's')).isEqualTo(Scram.attribute(b, 's'));
  }

  @Test
  void server_channelBindingRequested_isRefused() {
    ScramServer server = new ScramServer(ScramVerifier.fromPassword("x", 4096), utf8("u"));
    assertThatThrownBy(() -> server.clientFirst(utf8("p=tls-server-end-point,,n=,r=abc")))
        .isInstanceOf(AuthenticationFailedException.class).hasMessageContaining("channel binding");
  }

  @Test
  void server_malformedClientFirst_isRefused() {
    ScramServer server = new ScramServer(ScramVerifier.fromPassword("x", 4096), utf8("u"));
    assertThatThrownBy(() -> server.clientFirst(utf8("garbage"))).isInstanceOf(AuthenticationFailedException.class);
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
