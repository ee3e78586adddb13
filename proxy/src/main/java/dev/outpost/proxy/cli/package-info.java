/** The {@code outpost} command line: serve, config check, demo, version. */
package dev.outpost.proxy.cli;
