/**
 * The admin console on the virtual database {@code outpost} (DESIGN §10.2): commands that show and
 * steer the node, answered as ordinary rows over the simple query protocol.
 */
package dev.outpost.proxy.admin;
