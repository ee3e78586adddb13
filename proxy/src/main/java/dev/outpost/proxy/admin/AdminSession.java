package dev.outpost.proxy.admin;

import dev.outpost.wire.Frame;
import dev.outpost.wire.FrontendType;
import dev.outpost.wire.PgBuf;
import dev.outpost.wire.PgWireException;
import dev.outpost.wire.Sqlstate;
import dev.outpost.wire.backend.CommandComplete;
import dev.outpost.wire.backend.DataRow;
import dev.outpost.wire.backend.ErrorFields;
import dev.outpost.wire.backend.ErrorResponse;
import dev.outpost.wire.backend.ReadyForQuery;
import dev.outpost.wire.backend.RowDescription;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client of the admin console, after authentication: every simple Query is one command,
 * answered by {@link AdminConsole}. The extended protocol is refused (psql and
 * {@code preferQueryMode=simple} speak the simple one); nothing here touches the origin.
 */
public final class AdminSession extends ChannelInboundHandlerAdapter {
  public static final String NAME = "admin";
  private static final Logger log = LoggerFactory.getLogger(AdminSession.class);

  private final AdminConsole console;
  private final String user;
  private boolean skipToSync;
  /** A PAUSE is waiting for its answer: messages that came behind it wait in {@link #held}, in order. */
  private boolean answering;
  private final ArrayDeque<Frame> held = new ArrayDeque<>();

  public AdminSession(AdminConsole console, String user) {
    this.console = console;
    this.user = user;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    Frame f = (Frame) msg;
    if (answering) {
      held.addLast(f);
      return;
    }
    handle(ctx, f);
  }

  private void handle(ChannelHandlerContext ctx, Frame f) {
    try {
      byte t = f.type();
      if (t == FrontendType.TERMINATE.code()) {
        ctx.close();
      } else if (t == FrontendType.QUERY.code()) {
        answer(ctx, PgBuf.readCString(f.body()));
      } else if (t == FrontendType.SYNC.code()) {
        skipToSync = false;
        ctx.write(ReadyForQuery.IDLE.encode(ctx.alloc()));
      } else if (!skipToSync && t != FrontendType.FLUSH.code()) {
        skipToSync = true;
        error(ctx, ErrorFields.of("ERROR", Sqlstate.FEATURE_NOT_SUPPORTED,
            "the admin console speaks the simple query protocol only", null,
            "use psql, or preferQueryMode=simple with pgjdbc"));
      }
    } finally {
      f.release();
    }
  }

  private void answer(ChannelHandlerContext ctx, String sql) {
    try {
      if (sql.isBlank()) {
        ctx.write(dev.outpost.wire.backend.EmptyResponse.EMPTY_QUERY_RESPONSE.encode(ctx.alloc()));
      } else {
        log.info("admin {}: {}", user, sql.length() > 200 ? sql.substring(0, 200) : sql);
        CompletableFuture<AdminResult> later = console.later(sql, ctx.executor());
        if (later != null) {
          answerLater(ctx, later);
          return;
        }
        writeResult(ctx, console.execute(sql));
      }
    } catch (PgWireException e) {
      error(ctx, e.toErrorFields());
    } catch (RuntimeException e) {
      log.error("admin command failed: {}", sql, e);
      error(ctx, ErrorFields.of("ERROR", Sqlstate.INTERNAL_ERROR, "admin command failed: " + e, null, null));
    }
    ctx.write(ReadyForQuery.IDLE.encode(ctx.alloc()));
  }

  /**
   * Answers a command whose result comes later (PAUSE waits for running transactions): reading
   * stops meanwhile, and what the client sent behind it is answered after it, in order.
   */
  private void answerLater(ChannelHandlerContext ctx, CompletableFuture<AdminResult> result) {
    answering = true;
    ctx.channel().config().setAutoRead(false);
    result.whenComplete((r, failure) -> ctx.executor().execute(() -> {
      if (failure == null) {
        writeResult(ctx, r);
      } else {
        Throwable c = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
            ? failure.getCause() : failure;
        error(ctx, c instanceof PgWireException pe ? pe.toErrorFields()
            : ErrorFields.of("ERROR", Sqlstate.INTERNAL_ERROR, "admin command failed: " + c, null, null));
      }
      ctx.write(ReadyForQuery.IDLE.encode(ctx.alloc()));
      answering = false;
      Frame next;
      while (!answering && (next = held.pollFirst()) != null) {
        handle(ctx, next);
      }
      ctx.flush();
      if (!answering) {
        ctx.channel().config().setAutoRead(true);
      }
    }));
  }

  private void writeResult(ChannelHandlerContext ctx, AdminResult r) {
    ByteBuf out = ctx.alloc().buffer(256);
    if (r.hasRows()) {
      RowDescription.text(r.columns()).encodeTo(out);
      for (List<String> row : r.rows()) {
        new DataRow(row).encodeTo(out);
      }
      new CommandComplete(r.tag() + " " + r.rows().size()).encodeTo(out);
    } else {
      new CommandComplete(r.tag()).encodeTo(out);
    }
    ctx.write(out);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    Frame f;
    while ((f = held.pollFirst()) != null) {
      f.release();
    }
    ctx.fireChannelInactive();
  }

  private static void error(ChannelHandlerContext ctx, ErrorFields fields) {
    ctx.write(new ErrorResponse(fields).encode(ctx.alloc()));
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    ctx.flush();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
    if (c instanceof PgWireException pe) {
      ErrorFields f = pe.toErrorFields();
      java.util.Map<Character, String> m = new java.util.LinkedHashMap<>(f.fields());
      m.put('S', "FATAL");
      m.put('V', "FATAL");
      ctx.writeAndFlush(new ErrorResponse(new ErrorFields(m)).encode(ctx.alloc()))
          .addListener(ChannelFutureListener.CLOSE);
    } else {
      ctx.close();
    }
  }
}
