/**
 * The broker's and the agent's log lines ({@link dev.airlock.log.Log}): one {@link java.lang.System.Logger} facade,
 * so that every line is written and escaped the same way. Imports only {@code text}.
 */
package dev.airlock.log;
