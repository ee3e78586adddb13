/** {@code outpost demo}: everything a newcomer needs to try Outpost with psql on one machine. */
package dev.outpost.proxy.demo;
