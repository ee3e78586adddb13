package dev.outpost.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.JChannel;
import org.jgroups.MergeView;
import org.jgroups.Message;
import org.jgroups.Receiver;
import org.jgroups.View;
import org.jgroups.protocols.relay.SiteMaster;
import org.jgroups.protocols.relay.SiteUUID;
import org.jgroups.util.NameCache;
import org.jgroups.util.UUID;

/**
 * The one place where the bus meets JGroups: turns received messages and views into the bus's own
 * terms (member ids, {@link RegionView}) and the bus's sends into messages. Regional multicasts
 * carry NO_RELAY so that RELAY3 keeps them inside the region; only frames for other regions go to
 * the site masters.
 */
final class ChannelAdapter implements Receiver, BusTransport {

  private static final byte[] EMPTY = new byte[0];

  private final JChannel channel;
  private final JGroupsCacheBus bus;
  private final Consumer<RegionView> views;

  ChannelAdapter(JChannel channel, JGroupsCacheBus bus, Consumer<RegionView> views) {
    this.channel = channel;
    this.bus = bus;
    this.views = views;
  }

  // ---------------------------------------------------------------- Receiver (JGroups threads)

  @Override
  public void receive(Message msg) {
    byte[] array = msg.hasArray() ? msg.getArray() : EMPTY;
    int offset = msg.hasArray() ? msg.getOffset() : 0;
    bus.onFrame(memberId(msg.getSrc()), array, offset, msg.hasArray() ? msg.getLength() : 0);
  }

  @Override
  public void viewAccepted(View view) {
    Address self = channel.getAddress();
    List<RegionView.Member> members = new ArrayList<>(view.size());
    for (Address a : view.getMembers()) {
      members.add(new RegionView.Member(memberId(a), memberName(a)));
    }
    RegionView v = new RegionView(view.getViewId().getId(), members, memberId(self), view instanceof MergeView);
    bus.onView(v);
    views.accept(v);
  }

  // ---------------------------------------------------------------- BusTransport (sender thread)

  @Override
  public void sendToCoordinator(byte[] frame) throws Exception {
    View view = channel.getView();
    if (view == null) {
      throw new IllegalStateException("not connected to the region");
    }
    channel.send(new BytesMessage(view.getCoord(), frame));
  }

  @Override
  public void multicast(byte[] frame) throws Exception {
    channel.send(new BytesMessage(null, frame).setFlag(Message.Flag.NO_RELAY));
  }

  @Override
  public void relay(byte[] frame) throws Exception {
    channel.send(new BytesMessage(new SiteMaster(null), frame));
  }

  // ---------------------------------------------------------------- identities

  /** A stable id for comparing senders: the address's UUID (names can repeat, UUIDs cannot). */
  static String memberId(Address a) {
    return a instanceof UUID u ? u.toStringLong() : String.valueOf(a);
  }

  /** The member's node name (its JGroups logical name). */
  static String memberName(Address a) {
    if (a instanceof SiteUUID s && s.getName() != null) {
      return s.getName();
    }
    String name = a == null ? null : NameCache.get(a);
    return name != null ? name : memberId(a);
  }
}
