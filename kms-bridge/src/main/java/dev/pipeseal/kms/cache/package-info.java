/**
 * Caching as a decorator: a bounded, expiring, single-flight cache of unwrapped DEKs ({@link
 * dev.pipeseal.kms.cache.KeyCache}, also used by the key hierarchy for KEKs) and the {@link
 * dev.pipeseal.kms.cache.CachingKms} that puts it in front of any provider. The cache owns a
 * reference to each key and destroys it on eviction, expiry and close.
 */
package dev.pipeseal.kms.cache;
