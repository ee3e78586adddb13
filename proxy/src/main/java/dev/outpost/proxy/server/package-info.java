/** The node's composition root, its Netty server bootstrap and the client pipeline. */
package dev.outpost.proxy.server;
