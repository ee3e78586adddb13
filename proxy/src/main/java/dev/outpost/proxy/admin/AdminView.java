package dev.outpost.proxy.admin;

/** A part of the node that shows itself in the admin console as rows (SHOW CLUSTER, SHOW CHANGE FEED). */
@FunctionalInterface
public interface AdminView {
  AdminResult rows();
}
