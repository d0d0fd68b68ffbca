/**
 * What the host and the inside of a domain must agree on, in one place both sides import: the in-domain path layout
 * ({@link dev.airlock.contract.InDomain}) and the services airlock itself provides, with the ones only the host may
 * call ({@link dev.airlock.contract.BuiltInService}). A name changed here changes on both sides at once, so that a
 * rename on one side cannot open a host-only service to domains. Imports nothing.
 */
package dev.airlock.contract;
