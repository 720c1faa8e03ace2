/**
 * Several providers behind one bridge: writers use one default provider, readers unwrap and rewrap
 * any wrapped key whose provider is configured, routed by the provider id the wrapped key records.
 * This is what lets a lake written under one KMS and later under another read in one job, and what
 * migration between KMSs relies on.
 */
package dev.pipeseal.kms.routing;
