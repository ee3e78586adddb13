package dev.outpost.cluster;

import java.util.List;
import java.util.Objects;

/**
 * A view of the region as the bus sees it: JGroups' view id, the members in view order (the first
 * is the coordinator) and whether the view merged partitions. Member ids are stable strings for
 * comparing senders; names are the configured node names, for people.
 *
 * @param id the view id: one above the previous view's, and above every merged view's for a merge
 * @param members the members, coordinator first
 * @param self this node's member id
 * @param merge true for a view that joined partitions
 */
record RegionView(long id, List<Member> members, String self, boolean merge) {

  /** One member: a stable id and its node name. */
  record Member(String id, String name) {
    Member {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(name, "name");
    }
  }

  RegionView {
    members = List.copyOf(members);
    if (members.isEmpty()) {
      throw new IllegalArgumentException("a view has at least one member");
    }
    Objects.requireNonNull(self, "self");
  }

  Member coordinator() {
    return members.get(0);
  }

  boolean selfIsCoordinator() {
    return coordinator().id().equals(self);
  }

  List<String> names() {
    return members.stream().map(Member::name).toList();
  }
}
