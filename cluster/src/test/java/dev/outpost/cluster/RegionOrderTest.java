package dev.outpost.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.cache.CacheEvent;
import dev.outpost.cache.CacheKey;
import dev.outpost.cache.Dependencies;
import dev.outpost.cache.Ticker;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The receiving side's ordering rules, driven directly (no JGroups): which stamped events a node
 * applies, where the flushes of joins and term changes fall in the sequence, and what it does with
 * events from outside its current term.
 */
class RegionOrderTest {

  private record Applied(long sequence, CacheEvent event) {}

  private final List<Applied> applied = new ArrayList<>();
  private final List<byte[]> submitted = new ArrayList<>();
  private final List<Long> ownDelivered = new ArrayList<>();
  private final List<CacheEvent.Invalidation> ownPending = new ArrayList<>();
  private final BusCounters counters = new BusCounters();
  private final Ticker ticker = () -> 1_000_000_000L;
  private RegionOrder order;

  private static final RegionView.Member C1 = new RegionView.Member("id-c1", "c1");
  private static final RegionView.Member C2 = new RegionView.Member("id-c2", "c2");
  private static final RegionView.Member ME = new RegionView.Member("id-me", "me");

  @BeforeEach
  void setUp() {
    order = new RegionOrder("me", TestStacks.FAST, counters, submitted::add, ownDelivered::add, () -> ownPending,
        ticker);
    order.bind((seq, event) -> applied.add(new Applied(seq, event)));
  }

  private static RegionView view(long id, boolean merge, RegionView.Member... members) {
    return new RegionView(id, List.of(members), ME.id(), merge);
  }

  private void stamped(RegionView.Member sender, long epoch, long counter, byte[] submit) throws Exception {
    FrameReader in = new FrameReader(submit, 0, submit.length);
    Frames.readKind(in);
    Frames.Envelope env = Frames.readEnvelope(in);
    order.onSequenced(sender.id(), SequenceSpace.sequence(epoch, counter), env, in, null);
  }

  private static byte[] invalidation(String origin, long id, String table) {
    return Frames.submitInvalidation(origin, 0, new CacheEvent.Invalidation("db", Set.of(table), false, origin, id));
  }

  private static byte[] fill(String origin, int audience, int payload) {
    return fill(origin, audience, payload, null);
  }

  /** A fill of database "db" that depends on {@code table} (on nothing if null). */
  private static byte[] fill(String origin, int audience, int payload, String table) {
    FrameWriter w = Frames.submit(audience, 0, origin, 1, payload, 64);
    if (payload == Frames.PAYLOAD_FILL) {
      CacheKey k = CacheKey.builder("db", "app", "SELECT 1").build();
      Dependencies deps = table == null ? Dependencies.NONE : Dependencies.ofNames(table);
      EventCodec.writeFill(w, new CacheEvent.Fill(k, TestNode.result(new byte[] {1}, 0, deps), 0, origin), 0);
    }
    return w.toByteArray();
  }

  @Test
  void joiner_flushesJustBelowTheFirstEventItReceives_thenAppliesInOrder() throws Exception {
    order.onView(view(7, false, C1, ME)); // the term began in an earlier view, epoch 3
    stamped(C1, 3, 41, invalidation("c1", 1, "t"));
    stamped(C1, 3, 42, invalidation("c1", 2, "u"));

    assertThat(applied).extracting(Applied::sequence)
        .containsExactly(SequenceSpace.sequence(3, 40), SequenceSpace.sequence(3, 41), SequenceSpace.sequence(3, 42));
    assertThat(applied.get(0).event()).isInstanceOf(CacheEvent.Flush.class);
  }

  @Test
  void newCoordinator_flushesAtEpochZeroOfTheNewTerm_atOnce() throws Exception {
    order.onView(view(2, false, C1, C2, ME));
    stamped(C1, 2, 1, invalidation("c1", 1, "t"));
    applied.clear();

    order.onView(view(3, false, C2, ME));

    assertThat(applied).containsExactly(new Applied(SequenceSpace.sequence(3, 0), new CacheEvent.Flush("me")));
  }

  @Test
  void mergeWithTheSameCoordinator_isANewTermToo() {
    order.onView(view(4, false, C1, ME));
    applied.clear();
    order.onView(view(9, true, C1, C2, ME));
    assertThat(applied).containsExactly(new Applied(SequenceSpace.sequence(9, 0), new CacheEvent.Flush("me")));
  }

  @Test
  void lateEventOfTheOldTerm_isNotApplied_butItsInvalidationIsSentAgain() throws Exception {
    order.onView(view(2, false, C1, ME));
    stamped(C1, 2, 1, invalidation("c1", 1, "t"));
    order.onView(view(3, false, C2, ME)); // C1 left
    applied.clear();
    submitted.clear();

    stamped(C1, 2, 2, invalidation("c1", 2, "late")); // from the old coordinator
    stamped(C2, 2, 3, invalidation("c1", 3, "late2")); // the new coordinator, but an old epoch

    assertThat(applied).isEmpty();
    assertThat(submitted).hasSize(2);
    FrameReader in = new FrameReader(submitted.get(0), 0, submitted.get(0).length);
    Frames.readKind(in);
    assertThat(Frames.readEnvelope(in).has(Frames.FLAG_RESUBMITTED)).isTrue();
    assertThat(EventCodec.readInvalidation(in).tables()).containsExactly("late");
    assertThat(counters.eventsOutOfOrder.sum()).isEqualTo(2);
  }

  @Test
  void eventOfAViewNotInstalledYet_isHeld_andAppliedAfterThatViewsFlush() throws Exception {
    order.onView(view(5, false, C1, C2, ME));
    stamped(C1, 5, 1, invalidation("c1", 1, "t"));
    applied.clear();
    // C2 became coordinator in view 6; its first frames arrive before view 6 is installed here.
    stamped(C2, 6, 1, invalidation("c1", 1, "t")); // a resubmitted copy: the only one stamped in term 6
    stamped(C2, 6, 2, fill("c2", Frames.AUDIENCE_ALL, Frames.PAYLOAD_FILL));
    stamped(C2, 6, 3, invalidation("me", 8, "mine"));
    assertThat(applied).isEmpty();
    assertThat(ownDelivered).isEmpty();
    assertThat(order.earlyEvents()).isEqualTo(3);

    order.onView(view(6, false, C2, ME));

    assertThat(applied).extracting(Applied::sequence).containsExactly(SequenceSpace.sequence(6, 0),
        SequenceSpace.sequence(6, 1), SequenceSpace.sequence(6, 2), SequenceSpace.sequence(6, 3));
    assertThat(applied.get(0).event()).isInstanceOf(CacheEvent.Flush.class);
    assertThat(applied.get(1).event()).isInstanceOf(CacheEvent.Invalidation.class);
    assertThat(applied.get(2).event()).isInstanceOf(CacheEvent.Fill.class);
    assertThat(ownDelivered).containsExactly(8L);
    assertThat(submitted).as("only the new term's copy of the recent invalidation c1/1").hasSize(1);
    assertThat(order.renumbering()).as("and that copy was applied in the new term").isZero();
    assertThat(counters.eventsOutOfOrder.sum()).isZero();
    assertThat(order.earlyEvents()).isZero();
  }

  @Test
  void heldEvent_stillAheadOfTheNextView_staysHeld_untilItsOwnView() throws Exception {
    order.onView(view(5, false, C1, ME));
    stamped(C1, 7, 1, invalidation("c1", 1, "t"));
    order.onView(view(6, false, C1, C2, ME));
    assertThat(order.earlyEvents()).isEqualTo(1);
    applied.clear();
    order.onView(view(7, true, C1, C2, ME));
    assertThat(applied).extracting(Applied::sequence)
        .containsExactly(SequenceSpace.sequence(7, 0), SequenceSpace.sequence(7, 1));
  }

  @Test
  void heldEvent_whoseViewMadeAnotherNodeCoordinator_isOutOfOrder_andItsInvalidationIsSentAgain() throws Exception {
    order.onView(view(5, false, C1, C2, ME));
    applied.clear();
    stamped(C2, 6, 1, invalidation("c2", 1, "t"));
    stamped(C2, 6, 2, fill("c2", Frames.AUDIENCE_ALL, Frames.PAYLOAD_FILL));

    order.onView(view(6, true, C1, C2, ME)); // the merge went C1's way after all

    assertThat(applied).containsExactly(new Applied(SequenceSpace.sequence(6, 0), new CacheEvent.Flush("me")));
    assertThat(submitted).hasSize(1);
    assertThat(counters.fillsDropped.sum()).isEqualTo(1);
    assertThat(counters.eventsOutOfOrder.sum()).isEqualTo(2);
  }

  @Test
  void tooManyEarlyEvents_areGivenUp_invalidationsSentAgainUnmarked_andTheNextInOrderEventFlushesBelowIt()
      throws Exception {
    order.onView(view(5, false, C1, ME));
    stamped(C1, 5, 1, invalidation("c1", 1, "t"));
    applied.clear();
    stamped(C1, 6, 1, invalidation("c1", 2, "early"));
    for (int i = 2; i <= RegionOrder.MAX_EARLY_EVENTS + 1; i++) {
      stamped(C1, 6, i, fill("c1", Frames.AUDIENCE_ALL, Frames.PAYLOAD_FILL));
    }
    assertThat(order.earlyEvents()).isEqualTo(1); // the last one; the others were given up
    assertThat(submitted).hasSize(1);
    FrameReader in = new FrameReader(submitted.get(0), 0, submitted.get(0).length);
    Frames.readKind(in);
    assertThat(Frames.readEnvelope(in).has(Frames.FLAG_RESUBMITTED)).isFalse();
    assertThat(EventCodec.readInvalidation(in).tables()).containsExactly("early");
    assertThat(counters.fillsDropped.sum()).isEqualTo(RegionOrder.MAX_EARLY_EVENTS - 1);

    order.onView(view(6, false, C1, ME)); // same coordinator: no term change, so no flush of its own
    long last = SequenceSpace.sequence(6, RegionOrder.MAX_EARLY_EVENTS + 1);
    assertThat(applied).extracting(Applied::sequence).containsExactly(last - 1, last);
    assertThat(applied.get(0).event()).isInstanceOf(CacheEvent.Flush.class);
  }

  @Test
  void eventFromANonCoordinator_orNotAboveTheLast_isNotApplied() throws Exception {
    order.onView(view(1, false, C1, C2, ME));
    stamped(C1, 1, 5, invalidation("c1", 1, "t"));
    applied.clear();
    stamped(C2, 1, 6, invalidation("c2", 1, "forged"));
    stamped(C1, 1, 5, invalidation("c1", 1, "t")); // a duplicate
    stamped(C1, 1, 4, invalidation("c1", 9, "older"));
    assertThat(applied).isEmpty();
    stamped(C1, 1, 6, invalidation("c1", 2, "next"));
    assertThat(applied).extracting(Applied::sequence).containsExactly(SequenceSpace.sequence(1, 6));
  }

  @Test
  void anotherNodesLocalOnlyFill_advancesTheSequence_withoutApplyingAnything() throws Exception {
    order.onView(view(1, false, C1, ME));
    stamped(C1, 1, 1, invalidation("c1", 1, "t"));
    applied.clear();
    stamped(C1, 1, 2, fill("c1", Frames.AUDIENCE_SUBMITTER, Frames.PAYLOAD_RETAINED_FILL));
    assertThat(applied).isEmpty();
    assertThat(order.lastSequence()).isEqualTo(SequenceSpace.sequence(1, 2));
  }

  @Test
  void ownInvalidationComingBack_isReportedAsDelivered() throws Exception {
    order.onView(view(1, false, C1, ME));
    stamped(C1, 1, 1, invalidation("me", 17, "t"));
    assertThat(ownDelivered).containsExactly(17L);
    assertThat(counters.invalidationsReceived.sum()).isZero();
  }

  @Test
  void newTerm_sendsAgainPendingAndRecentInvalidations_eachOnce() throws Exception {
    order.onView(view(1, false, C1, ME));
    stamped(C1, 1, 1, invalidation("c1", 1, "recent"));
    stamped(C1, 1, 2, invalidation("me", 5, "mine"));
    submitted.clear();
    ownPending.add(new CacheEvent.Invalidation("db", Set.of("pending"), false, "me", 6));
    ownPending.add(new CacheEvent.Invalidation("db", Set.of("mine"), false, "me", 5)); // also recent

    order.onView(view(2, false, C2, ME));

    List<String> sent = new ArrayList<>();
    for (byte[] frame : submitted) {
      FrameReader in = new FrameReader(frame, 0, frame.length);
      Frames.readKind(in);
      Frames.readEnvelope(in);
      CacheEvent.Invalidation inv = EventCodec.readInvalidation(in);
      sent.add(inv.originNode() + "/" + inv.id());
    }
    assertThat(sent).containsExactly("me/6", "me/5", "c1/1");
  }

  /**
   * Nodes enter a term at different moments: a node that entered early may have read a table before
   * a write this node saw invalidated in the old term. Its fill is numbered above everything of the
   * old term and above the flush, so until the new term's copy of that invalidation is applied here,
   * fills it touches are dropped.
   */
  @Test
  void newTerm_dropsFillsTouchingAnInvalidationOfTheLastTerm_untilItsCopyIsAppliedInTheNewTerm() throws Exception {
    order.onView(view(1, false, C1, C2, ME));
    stamped(C1, 1, 1, invalidation("c1", 1, "orders")); // seen here in the old term
    order.onView(view(2, false, C2, ME)); // C1 left; C2 entered term 2 earlier and read orders meanwhile
    applied.clear();
    submitted.clear();

    stamped(C2, 2, 1, fill("c2", Frames.AUDIENCE_ALL, Frames.PAYLOAD_FILL, "orders"));
    stamped(C2, 2, 2, fill("c2", Frames.AUDIENCE_ALL, Frames.PAYLOAD_FILL, "items"));
    assertThat(applied).extracting(Applied::sequence).as("orders' fill dropped, items' applied")
        .containsExactly(SequenceSpace.sequence(2, 2));
    assertThat(counters.fillsDropped.sum()).isEqualTo(1);
    assertThat(order.renumbering()).isEqualTo(1);

    order.housekeeping(System.nanoTime() + TestStacks.FAST.retryInterval().toNanos() + 1);
    assertThat(submitted).as("sent again while not applied in the new term").hasSize(1);
    FrameReader in = new FrameReader(submitted.get(0), 0, submitted.get(0).length);
    Frames.readKind(in);
    assertThat(Frames.readEnvelope(in).has(Frames.FLAG_RESUBMITTED))
        .as("unmarked: stamped even if the coordinator stamped a marked copy this node missed").isFalse();

    stamped(C2, 2, 3, invalidation("c1", 1, "orders")); // the new term's copy
    stamped(C2, 2, 4, fill("c2", Frames.AUDIENCE_ALL, Frames.PAYLOAD_FILL, "orders"));
    assertThat(order.renumbering()).isZero();
    assertThat(applied).extracting(Applied::sequence).containsExactly(SequenceSpace.sequence(2, 2),
        SequenceSpace.sequence(2, 3), SequenceSpace.sequence(2, 4));
  }
}
