/** Who may log in to Outpost and how their passwords are checked; never logs a secret. */
package dev.outpost.proxy.auth;
