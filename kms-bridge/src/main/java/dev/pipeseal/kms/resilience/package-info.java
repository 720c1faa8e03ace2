/**
 * Resilience as a decorator: per-call timeouts and retries of transient KMS failures with
 * exponential backoff and full jitter ({@link dev.pipeseal.kms.resilience.ResilientKms}), so that
 * providers stay simple and a connector never sleeps on its own thread.
 */
package dev.pipeseal.kms.resilience;
