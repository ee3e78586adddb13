package dev.outpost.proxy.session;

import dev.outpost.cache.FillTicket;
import dev.outpost.cache.QueryProtocol;
import dev.outpost.proxy.cache.ReadPlan;
import dev.outpost.proxy.origin.OriginConnection;
import dev.outpost.proxy.origin.OriginListener;
import dev.outpost.proxy.origin.OriginPool;
import dev.outpost.proxy.origin.PoolWaiter;
import dev.outpost.proxy.origin.ServerState;
import dev.outpost.wire.BackendType;
import dev.outpost.wire.Frame;
import dev.outpost.wire.PgWireException;
import dev.outpost.wire.frontend.Bind;
import dev.outpost.wire.frontend.Describe;
import dev.outpost.wire.frontend.Execute;
import dev.outpost.wire.frontend.Parse;
import dev.outpost.wire.frontend.Query;
import dev.outpost.wire.frontend.Sync;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one background refresh of a stale entry (stale-while-revalidate, DESIGN §6.4): runs the
 * client's read again on a pooled origin connection with the client's settings, captures the
 * result and completes the refresh ticket — without the client waiting for it. Any failure gives
 * the ticket up; the stale entry then simply expires.
 */
final class RefreshQuery implements OriginListener, PoolWaiter {
  private static final Logger log = LoggerFactory.getLogger(RefreshQuery.class);

  private final EventLoop loop;
  private final OriginPool pool;
  private final ResultCapture capture;
  private final Map<String, String> settings;
  private final List<ByteBuf> request;
  private final AtomicBoolean started = new AtomicBoolean();
  private OriginConnection conn;
  private int readiesToSwallow;
  private boolean failed;

  private RefreshQuery(EventLoop loop, OriginPool pool, ResultCapture capture, Map<String, String> settings,
      List<ByteBuf> request) {
    this.loop = loop;
    this.pool = pool;
    this.capture = capture;
    this.settings = settings;
    this.request = request;
  }

  /**
   * Starts the refresh of {@code sql} for the client {@code s}; {@code bind} is only read here, and
   * {@code rowLimit} is the client's Execute's.
   */
  static void start(ClientSession s, FillTicket.Leader ticket, ReadPlan plan, String sql, QueryProtocol protocol,
      int[] types, Bind bind, int rowLimit) {
    ByteBufAllocator alloc = s.client.alloc();
    List<ByteBuf> request = new ArrayList<>();
    if (protocol == QueryProtocol.SIMPLE) {
      request.add(new Query(sql).encode(alloc));
    } else {
      request.add(new Parse("", sql, types).encode(alloc));
      request.add(bind.encodeRenamed(alloc, "", ""));
      request.add(new Describe(Describe.PORTAL, "").encode(alloc));
      request.add(new Execute("", rowLimit).encode(alloc));
      request.add(Sync.INSTANCE.encode(alloc));
    }
    ResultCapture capture = new ResultCapture(ticket, plan, sql, s.cacheService(),
        s.cacheService().policy().maxEntrySize());
    new RefreshQuery(s.eventLoop(), s.pool, capture, s.settings.current(), request).begin();
  }

  private void begin() {
    pool.acquire(this);
  }

  @Override
  public EventLoop eventLoop() {
    return loop;
  }

  @Override
  public boolean offer(OriginConnection c) {
    if (!started.compareAndSet(false, true)) {
      return false;
    }
    loop.execute(() -> run(c));
    return true;
  }

  @Override
  public void fail(PgWireException error) {
    if (started.compareAndSet(false, true)) {
      loop.execute(() -> {
        log.debug("stale refresh not run: {}", error.getMessage());
        capture.abandon();
        request.forEach(ReferenceCountUtil::release);
      });
    }
  }

  private void run(OriginConnection c) {
    conn = c;
    c.bind(this, "refreshing");
    if (conn == null) {
      request.forEach(ReferenceCountUtil::release); // closed during hand-over; onOriginClosed gave up
      return;
    }
    List<Object> out = new ArrayList<>();
    ServerState st = c.serverState();
    String diff = SessionSettings.difference(st.appliedSettings(), settings);
    if (diff != null) {
      out.add(new Query(diff).encode(c.channel().alloc()));
      readiesToSwallow = 1;
    }
    st.appliedSettings(settings);
    st.unnamedOwner(null);
    out.addAll(request);
    c.send(out);
  }

  @Override
  public void onOriginFrame(OriginConnection c, Frame frame) {
    try {
      if (c != conn) {
        return;
      }
      BackendType type = BackendType.of(frame.type());
      if (readiesToSwallow > 0) {
        if (type == BackendType.READY_FOR_QUERY) {
          readiesToSwallow--;
        } else if (type == BackendType.ERROR_RESPONSE) {
          failed = true;
        }
        return;
      }
      switch (type) {
        case ROW_DESCRIPTION:
        case NO_DATA:
          capture.describe(frame);
          break;
        case DATA_ROW:
          capture.row(frame);
          break;
        case COMMAND_COMPLETE:
        case PORTAL_SUSPENDED:
          capture.complete(frame);
          break;
        case READY_FOR_QUERY: {
          boolean idle = frame.body().getByte(frame.body().readerIndex()) == 'I';
          capture.finish(idle && !failed);
          OriginConnection done = conn;
          conn = null;
          pool.release(done, idle);
          break;
        }
        case PARSE_COMPLETE:
        case BIND_COMPLETE:
        case PARAMETER_STATUS:
          break;
        case ERROR_RESPONSE:
          failed = true;
          capture.fail("error");
          break;
        default:
          capture.fail("unexpected " + type);
          break;
      }
    } finally {
      frame.release();
    }
  }

  @Override
  public void onOriginClosed(OriginConnection c, Throwable cause) {
    if (c == conn) {
      conn = null;
      capture.abandon();
    }
  }
}
