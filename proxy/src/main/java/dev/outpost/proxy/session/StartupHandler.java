package dev.outpost.proxy.session;

import dev.outpost.proxy.admin.AdminConsole;
import dev.outpost.proxy.admin.AdminSession;
import dev.outpost.proxy.auth.User;
import dev.outpost.proxy.config.AuthMethod;
import dev.outpost.proxy.config.ProxyConfig;
import dev.outpost.proxy.origin.OriginPool;
import dev.outpost.proxy.server.OutpostNode;
import dev.outpost.wire.Frame;
import dev.outpost.wire.FrontendType;
import dev.outpost.wire.PgWireException;
import dev.outpost.wire.Sqlstate;
import dev.outpost.wire.auth.AuthenticationFailedException;
import dev.outpost.wire.auth.ChannelBinding;
import dev.outpost.wire.auth.Md5Password;
import dev.outpost.wire.auth.ScramServer;
import dev.outpost.wire.backend.Authentication;
import dev.outpost.wire.backend.BackendKeyData;
import dev.outpost.wire.backend.ErrorFields;
import dev.outpost.wire.backend.ErrorResponse;
import dev.outpost.wire.backend.NegotiateProtocolVersion;
import dev.outpost.wire.backend.ParameterStatus;
import dev.outpost.wire.backend.ReadyForQuery;
import dev.outpost.wire.codec.FrameDecoder;
import dev.outpost.wire.codec.StartupDecoder;
import dev.outpost.wire.frontend.CancelRequest;
import dev.outpost.wire.frontend.GssEncRequest;
import dev.outpost.wire.frontend.PasswordMessage;
import dev.outpost.wire.frontend.SaslInitialResponse;
import dev.outpost.wire.frontend.SaslResponse;
import dev.outpost.wire.frontend.SslRequest;
import dev.outpost.wire.frontend.StartupMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import dev.outpost.proxy.config.TlsMode;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a client connection from its first byte until it is ready for queries, then hands over to
 * a {@link ClientSession}. Nothing here talks to the origin except to learn its ParameterStatus
 * values once per pool, so a new connection costs no round trip to the origin.
 *
 * <pre>
 * client                                    Outpost
 *   [SSLRequest]                      ─►   'S' + TLS handshake, or 'N'
 *   StartupMessage(user, database, …) ─►   [NegotiateProtocolVersion]
 *                                     ◄─   AuthenticationSASL(SCRAM-SHA-256) | MD5Password | Ok
 *   SASLInitialResponse / SASLResponse ─►  (SCRAM rounds)
 *                                     ◄─   AuthenticationOk, ParameterStatus*, BackendKeyData,
 *                                          ReadyForQuery('I')
 *   CancelRequest (on a new socket)   ─►   forwarded to the origin backend serving that client
 * </pre>
 *
 * <p>Everything must finish within {@code auth-timeout}; before authentication no message may
 * be longer than 10 kB.
 */
public final class StartupHandler extends ChannelInboundHandlerAdapter {
  public static final String NAME = "startup";
  public static final String STARTUP_DECODER = "startup-decoder";
  public static final String FRAME_DECODER = "frames";
  public static final String SSL = "ssl";
  /** The ALPN protocol name of Postgres over TLS (Postgres 17). */
  public static final String ALPN_PROTOCOL = "postgresql";
  /** The virtual database of the admin console. */
  public static final String ADMIN_DATABASE = "outpost";
  /** Longest message accepted before the client has authenticated. */
  static final int MAX_UNAUTHENTICATED_MESSAGE = 10_000;
  private static final Logger log = LoggerFactory.getLogger(StartupHandler.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private enum State { STARTUP, AUTHENTICATING, CONNECTING, DONE }

  private final OutpostNode node;
  private final ProxyConfig config;
  private State state = State.STARTUP;
  private ScheduledFuture<?> authTimeout;
  private StartupMessage startup;
  private User user;
  private AuthMethod method;
  private ScramServer scram;
  private byte[] md5Salt;
  private int saslStep;
  private boolean admin;
  /** True once an SSLRequest was answered 'S'; TLS without it was started directly by the client. */
  private boolean tlsRequested;
  /** The protocol minor version agreed with the client: 0 or 2. */
  private int protocolMinor;

  public StartupHandler(OutpostNode node) {
    this.node = node;
    this.config = node.config();
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    authTimeout = ctx.executor().schedule(() -> {
      if (state != State.DONE && ctx.channel().isActive()) {
        log.info("client {}: closing, startup did not finish within {} ms", ctx.channel().remoteAddress(),
            config.authTimeout().toMillis());
        fatal(ctx, new PgWireException(Sqlstate.QUERY_CANCELED, "canceling authentication due to timeout", null,
            "the client must finish connecting within auth-timeout (" + config.authTimeout().toMillis() + " ms)", true));
      }
    }, config.authTimeout().toMillis(), TimeUnit.MILLISECONDS);
    ctx.fireChannelActive();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancelTimeout();
    ctx.fireChannelInactive();
  }

  private void cancelTimeout() {
    if (authTimeout != null) {
      authTimeout.cancel(false);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof Frame frame) {
        try {
          onFrame(ctx, frame);
        } finally {
          frame.release();
        }
      } else if (msg instanceof SslRequest) {
        onSslRequest(ctx);
      } else if (msg instanceof GssEncRequest) {
        ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'N'}));
      } else if (msg instanceof CancelRequest cancel) {
        onCancel(ctx, cancel);
      } else if (msg instanceof StartupMessage m) {
        onStartup(ctx, m);
      }
    } catch (PgWireException e) {
      fatal(ctx, e);
    }
  }

  private void onSslRequest(ChannelHandlerContext ctx) {
    if (state != State.STARTUP || ctx.pipeline().get(SSL) != null) {
      throw PgWireException.fatal(Sqlstate.PROTOCOL_VIOLATION,
          tlsRequested ? "SSLRequest sent twice" : "SSLRequest inside a TLS connection");
    }
    StartupDecoder decoder = (StartupDecoder) ctx.pipeline().get(STARTUP_DECODER);
    if (decoder != null && decoder.bufferedBytes() > 0) {
      // Bytes sent before the TLS handshake could be injected by a man in the middle.
      throw PgWireException.fatal(Sqlstate.PROTOCOL_VIOLATION, "received unencrypted data after SSL request");
    }
    SslContext tls = node.clientTls();
    if (tls == null) {
      ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'N'}));
      return;
    }
    // startTls: the 'S' that answers the request leaves in plaintext; everything after is TLS
    ctx.pipeline().addFirst(SSL, new SslHandler(tls.newEngine(ctx.alloc()), true));
    tlsRequested = true;
    ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'S'}));
  }

  private void onCancel(ChannelHandlerContext ctx, CancelRequest cancel) {
    ClientSession target = node.cancels().find(cancel.processId(), cancel.secretKey());
    if (target != null) {
      target.cancelFromClient();
    } else {
      log.debug("cancel request for unknown key {}", cancel.processId());
    }
    ctx.close();
  }

  private void onStartup(ChannelHandlerContext ctx, StartupMessage m) {
    startup = m;
    if (node.shuttingDown()) {
      node.metrics().clientRejected();
      throw new PgWireException(Sqlstate.CANNOT_CONNECT_NOW, "Outpost is shutting down", null,
          "connect to another node, or retry in a moment", true);
    }
    if (config.tls().mode() == TlsMode.REQUIRE && ctx.pipeline().get(SSL) == null) {
      node.metrics().clientRejected();
      throw new PgWireException(Sqlstate.INVALID_AUTHORIZATION_SPECIFICATION,
          "this Outpost node accepts only TLS connections (tls-mode: require)", null,
          "connect with sslmode=require (or verify-ca / verify-full)", true);
    }
    SslHandler ssl = (SslHandler) ctx.pipeline().get(SSL);
    if (ssl != null && !tlsRequested && !ALPN_PROTOCOL.equals(ssl.applicationProtocol())) {
      // as Postgres 17: a client that starts TLS directly must say it speaks Postgres inside it
      node.metrics().clientRejected();
      throw new PgWireException(Sqlstate.PROTOCOL_VIOLATION,
          "a direct TLS connection must negotiate the ALPN protocol \"" + ALPN_PROTOCOL + "\"", null,
          "use a client that sends ALPN with sslnegotiation=direct (libpq 17 or later), or connect with an SSLRequest",
          true);
    }
    ctx.pipeline().replace(STARTUP_DECODER, FRAME_DECODER, new FrameDecoder(MAX_UNAUTHENTICATED_MESSAGE,
        b -> FrontendType.of((byte) b) != null, "client", node.largeMessages()));
    if (m.parameters().containsKey("replication") && !"false".equalsIgnoreCase(m.parameters().get("replication"))
        && !"0".equals(m.parameters().get("replication"))) {
      throw new PgWireException(Sqlstate.FEATURE_NOT_SUPPORTED,
          "replication connections are not supported by Outpost", null,
          "connect replication clients to the origin directly", true);
    }
    if (node.clientConnections().get() > config.maxClientConnections()) {
      node.metrics().clientRejected();
      throw new PgWireException(Sqlstate.TOO_MANY_CONNECTIONS,
          "sorry, too many clients already (max-client-connections is " + config.maxClientConnections() + ")",
          null, "raise max-client-connections or use fewer client connections", true);
    }
    List<String> unknownOptions = new ArrayList<>();
    for (String name : m.parameters().keySet()) {
      if (name.startsWith("_pq_.")) {
        unknownOptions.add(name);
      }
    }
    // 3.2 (Postgres 18: a cancel key of up to 256 bytes instead of 4) or 3.0; 3.1 was never used
    protocolMinor = m.minorVersion() >= 2 ? 2 : 0;
    if (m.minorVersion() != protocolMinor || !unknownOptions.isEmpty()) {
      ctx.write(encode(ctx, new NegotiateProtocolVersion(protocolMinor, unknownOptions)));
    }
    admin = ADMIN_DATABASE.equals(m.database());
    method = config.authMethod();
    if (admin) {
      if (!config.admin().enabled()) {
        throw new PgWireException(Sqlstate.INVALID_CATALOG_NAME,
            "database \"" + ADMIN_DATABASE + "\" (the admin console) is not enabled on this node", null,
            "set admin-user and admin-password in the Outpost configuration", true);
      }
      // only the admin user exists here; anyone else fails exactly like a wrong password
      user = node.adminUser(m.user());
      if (method == AuthMethod.TRUST || method == AuthMethod.PASSTHROUGH) {
        method = AuthMethod.SCRAM; // the console always asks for the admin password
      }
    } else {
      user = node.users().find(m.user());
    }
    state = State.AUTHENTICATING;
    switch (method) {
      case PASSTHROUGH:
        ctx.writeAndFlush(encode(ctx, Authentication.CleartextPassword.INSTANCE));
        break;
      case TRUST:
        if (user == null) {
          throw new PgWireException(Sqlstate.INVALID_AUTHORIZATION_SPECIFICATION,
              "role \"" + m.user() + "\" is not allowed to log in through Outpost", null, null, true);
        }
        authenticated(ctx);
        break;
      case MD5:
        md5Salt = new byte[4];
        RANDOM.nextBytes(md5Salt);
        ctx.writeAndFlush(encode(ctx, new Authentication.Md5Password(md5Salt)));
        break;
      default:
        scram = new ScramServer(user == null ? null : user.scram(), m.user().getBytes(StandardCharsets.UTF_8),
            channelBinding(ctx));
        ctx.writeAndFlush(encode(ctx, new Authentication.Sasl(scram.mechanisms())));
        break;
    }
  }

  /**
   * The tls-server-end-point data of the client's TLS connection (the node's certificate, hashed),
   * or null without TLS: SCRAM-SHA-256-PLUS is offered only with it, as by Postgres.
   */
  private static byte[] channelBinding(ChannelHandlerContext ctx) {
    SslHandler ssl = (SslHandler) ctx.pipeline().get(SSL);
    if (ssl == null) {
      return null;
    }
    java.security.cert.Certificate[] own = ssl.engine().getSession().getLocalCertificates();
    return own == null || own.length == 0 ? null : ChannelBinding.serverEndPoint(own[0]);
  }

  private void onFrame(ChannelHandlerContext ctx, Frame frame) {
    if (state != State.AUTHENTICATING || frame.type() != FrontendType.PASSWORD.code()) {
      if (frame.type() == FrontendType.TERMINATE.code()) {
        ctx.close();
        return;
      }
      throw PgWireException.fatal(Sqlstate.PROTOCOL_VIOLATION,
          "expected a password message during authentication, got '" + (char) frame.type() + "'");
    }
    try {
      if (method == AuthMethod.PASSTHROUGH) {
        passthrough(ctx, PasswordMessage.decode(frame.body()).password());
      } else if (method == AuthMethod.MD5) {
        String answer = PasswordMessage.decode(frame.body()).password();
        boolean ok = user != null && user.md5Stored() != null
            && Md5Password.matches(Md5Password.responseFromStored(user.md5Stored(), md5Salt), answer);
        if (!ok) {
          throw new AuthenticationFailedException("password authentication failed");
        }
        authenticated(ctx);
      } else if (saslStep == 0) {
        saslStep = 1;
        SaslInitialResponse first = SaslInitialResponse.decode(frame.body());
        if (first.data() == null) {
          throw PgWireException.fatal(Sqlstate.PROTOCOL_VIOLATION, "SASLInitialResponse without a client-first message");
        }
        byte[] serverFirst = scram.clientFirst(first.mechanism(), first.data());
        ctx.writeAndFlush(encode(ctx, new Authentication.SaslContinue(serverFirst)));
      } else if (saslStep == 1) {
        saslStep = 2;
        byte[] serverFinal = scram.clientFinal(SaslResponse.decode(frame.body()).data());
        ctx.write(encode(ctx, new Authentication.SaslFinal(serverFinal)));
        authenticated(ctx);
      } else {
        throw PgWireException.fatal(Sqlstate.PROTOCOL_VIOLATION, "unexpected SASL message");
      }
    } catch (AuthenticationFailedException e) {
      node.metrics().authFailed();
      log.info("client {}: authentication failed for user \"{}\": {}", ctx.channel().remoteAddress(),
          startup.user(), e.getMessage());
      if (e.protocolViolation()) {
        // as Postgres: what broke is named (a channel binding that fails may mean a man in the middle)
        throw new PgWireException(Sqlstate.PROTOCOL_VIOLATION, e.getMessage(), null, null, true);
      }
      throw new PgWireException(Sqlstate.INVALID_PASSWORD,
          "password authentication failed for user \"" + startup.user() + "\"", null, null, true);
    }
  }

  /**
   * Passthrough: the client's password is checked by the origin itself (a recently verified one
   * is remembered as a salted hash, so repeated logins cost no round trip), and the client's
   * transactions run as that role with that password.
   */
  private void passthrough(ChannelHandlerContext ctx, String password) {
    String name = startup.user();
    if (node.passwords().verifiedRecently(name, password)) {
      user = User.passthrough(name, password);
      authenticated(ctx);
      return;
    }
    state = State.CONNECTING;
    node.verifyAtOrigin(ctx.channel().eventLoop(), name, password, startup.database()).addListener(f -> {
      if (!ctx.channel().isActive()) {
        return;
      }
      if (f.isSuccess()) {
        node.passwords().remember(name, password);
        user = User.passthrough(name, password);
        state = State.AUTHENTICATING;
        try {
          authenticated(ctx);
        } catch (PgWireException e) {
          fatal(ctx, e);
        }
      } else {
        node.metrics().authFailed();
        Throwable c = f.cause();
        log.info("client {}: passthrough login of \"{}\" refused by the origin: {}", ctx.channel().remoteAddress(),
            name, c.getMessage());
        fatal(ctx, c instanceof dev.outpost.proxy.origin.OriginErrorException oe ? asFatal(PgWireException.relay(
            oe.fields())) : new PgWireException(Sqlstate.CONNECTION_FAILURE,
                "could not check the password at the origin: " + c.getMessage(), null, null, true));
      }
    });
  }

  private void authenticated(ChannelHandlerContext ctx) {
    String database = startup.database();
    if (admin) {
      admin(ctx);
      return;
    }
    if (!user.mayUse(database)) {
      throw new PgWireException(Sqlstate.INSUFFICIENT_PRIVILEGE,
          "user \"" + user.name() + "\" is not allowed to connect to database \"" + database + "\" through Outpost",
          null, "add the database to the user's databases list in the Outpost config", true);
    }
    if (node.disabled(database)) {
      throw new PgWireException(Sqlstate.OBJECT_NOT_IN_PREREQUISITE_STATE,
          "database \"" + database + "\" is not currently accepting connections through Outpost",
          "an Outpost administrator disabled it (DISABLE " + database + ")",
          "try again later; ENABLE " + database + " on the admin console accepts logins again", true);
    }
    ctx.write(encode(ctx, Authentication.Ok.INSTANCE));
    ctx.flush();
    state = State.CONNECTING;
    OriginPool pool = node.pool(user.originUser(), user.originPassword(), database);
    Future<Map<String, String>> params = pool.serverParameters(ctx.channel().eventLoop());
    params.addListener(f -> {
      if (!ctx.channel().isActive()) {
        return;
      }
      if (f.isSuccess()) {
        ready(ctx, pool, params.getNow());
      } else {
        Throwable cause = f.cause();
        fatal(ctx, cause instanceof PgWireException pe ? asFatal(pe)
            : new PgWireException(Sqlstate.CONNECTION_FAILURE, "could not reach the origin: " + cause.getMessage(),
                null, null, true));
      }
    });
  }

  /** The admin user is in: the admin console takes over the connection. */
  private void admin(ChannelHandlerContext ctx) {
    cancelTimeout();
    state = State.DONE;
    ByteBuf out = ctx.alloc().buffer(512);
    Authentication.Ok.INSTANCE.encodeTo(out);
    Map<String, String> params = new LinkedHashMap<>();
    params.put("server_version", "17.0 (Outpost admin console)");
    params.put("server_encoding", "UTF8");
    params.put("client_encoding", "UTF8");
    params.put("DateStyle", "ISO, MDY");
    params.put("integer_datetimes", "on");
    params.put("standard_conforming_strings", "on");
    params.put("application_name", startup.parameters().getOrDefault("application_name", ""));
    params.forEach((k, v) -> new ParameterStatus(k, v).encodeTo(out));
    new BackendKeyData(0, new byte[4]).encodeTo(out);
    ReadyForQuery.IDLE.encodeTo(out);
    FrameDecoder frames = (FrameDecoder) ctx.pipeline().get(FRAME_DECODER);
    frames.maxLength(MAX_UNAUTHENTICATED_MESSAGE * 10);
    ctx.pipeline().replace(this, AdminSession.NAME, new AdminSession(new AdminConsole(node), user.name()));
    ctx.writeAndFlush(out);
  }

  private static PgWireException asFatal(PgWireException e) {
    if (e.fatal()) {
      return e;
    }
    ErrorFields f = e.toErrorFields();
    Map<Character, String> fields = new LinkedHashMap<>(f.fields());
    fields.put('S', "FATAL");
    fields.put('V', "FATAL");
    return PgWireException.relay(new ErrorFields(fields));
  }

  private void ready(ChannelHandlerContext ctx, OriginPool pool, Map<String, String> originParameters) {
    cancelTimeout();
    state = State.DONE;
    StartupParameters sp = StartupParameters.of(startup.parameters());
    ClientSession session = new ClientSession(node, ctx.channel(), user, startup.database(), pool, sp.settings(),
        protocolMinor >= 2 ? CancelRegistry.LONG_SECRET : CancelRegistry.SHORT_SECRET);
    CancelRegistry.Key key = session.cancelKey();
    ByteBuf out = ctx.alloc().buffer(512);
    for (Map.Entry<String, String> p : sp.reported(originParameters).entrySet()) {
      new ParameterStatus(p.getKey(), p.getValue()).encodeTo(out);
    }
    new BackendKeyData(key.processId(), key.secret()).encodeTo(out);
    ReadyForQuery.IDLE.encodeTo(out);
    FrameDecoder frames = (FrameDecoder) ctx.pipeline().get(FRAME_DECODER);
    frames.maxLength(config.maxMessageSize());
    ctx.pipeline().replace(this, ClientSession.NAME, session);
    ctx.writeAndFlush(out);
  }

  private static ByteBuf encode(ChannelHandlerContext ctx, dev.outpost.wire.backend.BackendMessage m) {
    return m.encode(ctx.alloc());
  }

  private void fatal(ChannelHandlerContext ctx, PgWireException e) {
    if (!ctx.channel().isActive()) {
      return;
    }
    state = State.DONE;
    cancelTimeout();
    ErrorFields fields = e.toErrorFields();
    if (!fields.isFatal()) {
      Map<Character, String> f = new LinkedHashMap<>(fields.fields());
      f.put('S', "FATAL");
      f.put('V', "FATAL");
      fields = new ErrorFields(f);
    }
    ctx.writeAndFlush(new ErrorResponse(fields).encode(ctx.alloc())).addListener(ChannelFutureListener.CLOSE);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
      // The client stopped sending in the middle of its startup.
      fatal(ctx, PgWireException.fatal(Sqlstate.PROTOCOL_VIOLATION, "incomplete startup packet"));
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
    if (c instanceof PgWireException pe) {
      fatal(ctx, pe);
    } else if (c instanceof java.io.IOException) {
      ctx.close();
    } else {
      log.warn("client {}: startup failed: {}", ctx.channel().remoteAddress(), c.toString());
      fatal(ctx, PgWireException.fatal(Sqlstate.PROTOCOL_VIOLATION, "invalid startup: " + c.getMessage()));
    }
  }
}
