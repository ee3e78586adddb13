/** The {@code outpost} command line: serve, demo, version. */
package dev.outpost.proxy.cli;
