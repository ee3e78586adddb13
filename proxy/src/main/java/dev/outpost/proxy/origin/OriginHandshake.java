package dev.outpost.proxy.origin;

import dev.outpost.proxy.config.OriginUrl;
import dev.outpost.proxy.config.OriginUrl.ChannelBindingMode;
import dev.outpost.proxy.config.OriginUrl.TargetSessionAttrs;
import dev.outpost.wire.BackendType;
import dev.outpost.wire.Frame;
import dev.outpost.wire.PgWireException;
import dev.outpost.wire.Sqlstate;
import dev.outpost.wire.auth.AuthenticationFailedException;
import dev.outpost.wire.auth.ChannelBinding;
import dev.outpost.wire.auth.Md5Password;
import dev.outpost.wire.auth.ScramClient;
import dev.outpost.wire.backend.Authentication;
import dev.outpost.wire.backend.BackendKeyData;
import dev.outpost.wire.backend.ErrorFields;
import dev.outpost.wire.backend.ParameterStatus;
import dev.outpost.wire.frontend.PasswordMessage;
import dev.outpost.wire.frontend.SaslInitialResponse;
import dev.outpost.wire.frontend.SaslResponse;
import dev.outpost.wire.frontend.Terminate;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Promise;
import java.security.cert.Certificate;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Logs in to the origin after the StartupMessage was sent: answers the authentication request
 * (SCRAM-SHA-256, MD5 or cleartext), collects ParameterStatus and BackendKeyData, and on
 * ReadyForQuery hands the channel over to a new {@link OriginConnection} — unless the server is not
 * one the origin URL's {@code target_session_attrs} accepts: then it ends the session and the
 * connect fails, as the origin being unreachable would.
 *
 * <pre>
 * Outpost                         origin
 *   StartupMessage            ─►
 *                             ◄─  AuthenticationSASL / MD5Password / CleartextPassword
 *   SASLInitialResponse …     ─►  (SCRAM rounds)
 *                             ◄─  AuthenticationOk, ParameterStatus*, BackendKeyData, ReadyForQuery
 * </pre>
 */
final class OriginHandshake extends ChannelInboundHandlerAdapter {
  private final OriginUrl target;
  private final OriginPool pool;
  private final int preparedCapacity;
  private final Promise<OriginConnection> promise;
  private final Map<String, String> parameters = new LinkedHashMap<>();
  private BackendKeyData keyData;
  private ScramClient scram;

  OriginHandshake(OriginUrl target, OriginPool pool, int preparedCapacity, Promise<OriginConnection> promise) {
    this.target = target;
    this.pool = pool;
    this.preparedCapacity = preparedCapacity;
    this.promise = promise;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    Frame frame = (Frame) msg;
    try {
      handle(ctx, frame);
    } catch (PgWireException | AuthenticationFailedException e) {
      fail(ctx, e);
    } finally {
      frame.release();
    }
  }

  private void handle(ChannelHandlerContext ctx, Frame frame) throws AuthenticationFailedException {
    BackendType type = BackendType.of(frame.type());
    if (type == null) {
      throw new PgWireException(Sqlstate.PROTOCOL_VIOLATION, "the origin sent an unknown message during login");
    }
    switch (type) {
      case AUTHENTICATION:
        authenticate(ctx, Authentication.decode(frame.body()));
        break;
      case PARAMETER_STATUS: {
        ParameterStatus p = ParameterStatus.decode(frame.body());
        parameters.put(p.name(), p.value());
        break;
      }
      case BACKEND_KEY_DATA:
        keyData = BackendKeyData.decode(frame.body());
        break;
      case ERROR_RESPONSE:
        fail(ctx, new OriginErrorException(ErrorFields.decode(frame.body())));
        break;
      case NOTICE_RESPONSE:
      case NEGOTIATE_PROTOCOL_VERSION:
        break;
      case READY_FOR_QUERY: {
        String unsuitable = unsuitable(target.targetSessionAttrs(), parameters);
        if (unsuitable != null) {
          ctx.writeAndFlush(Terminate.INSTANCE.encode(ctx.alloc()));
          fail(ctx, new java.net.ConnectException(unsuitable));
          break;
        }
        BackendKeyData key = keyData != null ? keyData : new BackendKeyData(0, new byte[4]);
        OriginConnection connection = new OriginConnection(ctx.channel(), pool, target.hosts().get(0), key, parameters,
            preparedCapacity);
        ctx.pipeline().replace(this, OriginConnector.CONNECTION_HANDLER, connection);
        promise.trySuccess(connection);
        break;
      }
      default:
        throw new PgWireException(Sqlstate.PROTOCOL_VIOLATION, "the origin sent " + type + " during login");
    }
  }

  /**
   * Why the server that logged us in is not one {@code attrs} accepts, from the parameters it
   * reported (as libpq decides with a server of version 14 or later); null when it is.
   */
  static String unsuitable(TargetSessionAttrs attrs, Map<String, String> reported) {
    if (attrs == TargetSessionAttrs.ANY) {
      return null;
    }
    String standby = reported.get("in_hot_standby");
    String readOnly = reported.get("default_transaction_read_only");
    if (standby == null) {
      return "it does not report in_hot_standby, which target_session_attrs=" + attrs.label()
          + " in the origin URL needs (Postgres 14 or later)";
    }
    if (standby.equals("on")) {
      return "it is a standby (in_hot_standby = on), and the origin URL asks for target_session_attrs="
          + attrs.label() + "; a failover may still be under way (a DNS name leading to the old primary)";
    }
    if (attrs == TargetSessionAttrs.READ_WRITE && "on".equals(readOnly)) {
      return "its sessions are read-only (default_transaction_read_only = on), and the origin URL asks for "
          + "target_session_attrs=read-write";
    }
    return null;
  }

  private void authenticate(ChannelHandlerContext ctx, Authentication auth) throws AuthenticationFailedException {
    boolean bindingRequired = target.channelBinding() == ChannelBindingMode.REQUIRE;
    if (auth instanceof Authentication.Ok) {
      if (bindingRequired && (scram == null || !scram.bound())) {
        throw new AuthenticationFailedException("channel_binding=require, but the origin logged in user \""
            + target.user() + "\" without channel binding (its pg_hba.conf method is not scram-sha-256)");
      }
      return;
    }
    String password = target.password();
    if (password == null) {
      throw new AuthenticationFailedException("the origin asks for a password for user \"" + target.user()
          + "\" but none is configured; put it in the origin URL or the user's entry");
    }
    if (bindingRequired && (auth instanceof Authentication.CleartextPassword || auth instanceof Authentication.Md5Password)) {
      throw new AuthenticationFailedException("channel_binding=require, but the origin asks for " + describe(auth)
          + ", not SCRAM-SHA-256-PLUS (set the method scram-sha-256 in its pg_hba.conf)");
    }
    if (auth instanceof Authentication.CleartextPassword) {
      ctx.writeAndFlush(new PasswordMessage(password).encode(ctx.alloc()));
    } else if (auth instanceof Authentication.Md5Password md5) {
      ctx.writeAndFlush(new PasswordMessage(Md5Password.response(target.user(), password, md5.salt())).encode(ctx.alloc()));
    } else if (auth instanceof Authentication.Sasl sasl) {
      byte[] binding = target.channelBinding() == ChannelBindingMode.DISABLE ? null : channelBinding(ctx);
      boolean bind = binding != null && ScramClient.offersPlus(sasl.mechanisms());
      if (bindingRequired && !bind) {
        throw new AuthenticationFailedException("channel_binding=require, but " + (ctx.pipeline().get(SslHandler.class) == null
            ? "the connection to the origin is not TLS (sslmode=prefer and the origin refused TLS)"
            : binding == null
            ? "the origin's certificate gives no channel-binding data (its signature algorithm names no hash, e.g. Ed25519)"
            : "the origin offers SASL mechanisms " + sasl.mechanisms() + " without SCRAM-SHA-256-PLUS"));
      }
      if (!bind && !ScramClient.offersScram(sasl.mechanisms())) {
        throw new AuthenticationFailedException("the origin offers SASL mechanisms " + sasl.mechanisms()
            + " but not SCRAM-SHA-256");
      }
      scram = new ScramClient(password, binding, bind);
      ctx.writeAndFlush(new SaslInitialResponse(scram.mechanism(), scram.clientFirst()).encode(ctx.alloc()));
    } else if (auth instanceof Authentication.SaslContinue cont) {
      requireScram();
      ctx.writeAndFlush(new SaslResponse(scram.serverFirst(cont.data())).encode(ctx.alloc()));
    } else if (auth instanceof Authentication.SaslFinal fin) {
      requireScram();
      scram.serverFinal(fin.data());
    }
  }

  /** The tls-server-end-point data of this connection's TLS, or null without TLS. */
  private static byte[] channelBinding(ChannelHandlerContext ctx) {
    SslHandler ssl = ctx.pipeline().get(SslHandler.class);
    if (ssl == null) {
      return null;
    }
    try {
      Certificate[] chain = ssl.engine().getSession().getPeerCertificates();
      return chain.length == 0 ? null : ChannelBinding.serverEndPoint(chain[0]);
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
  }

  private static String describe(Authentication auth) {
    return auth instanceof Authentication.CleartextPassword ? "a cleartext password" : "an MD5 password";
  }

  private void requireScram() throws AuthenticationFailedException {
    if (scram == null) {
      throw new AuthenticationFailedException("the origin sent a SCRAM message before SCRAM started");
    }
  }

  private void fail(ChannelHandlerContext ctx, Throwable cause) {
    if (promise.tryFailure(cause)) {
      ctx.close();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    promise.tryFailure(new java.net.ConnectException("the origin closed the connection during login"));
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Throwable c = cause instanceof io.netty.handler.codec.DecoderException && cause.getCause() != null
        ? cause.getCause() : cause;
    fail(ctx, c);
  }
}
