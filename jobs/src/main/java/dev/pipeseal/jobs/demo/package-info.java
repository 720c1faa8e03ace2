/**
 * The quick-start job: synthetic training records (PII text and 768-d embeddings) encrypted with
 * envelope keys from a local key store, master keys rotated, the registry rewrapped, and every
 * value verified to decrypt to what was written.
 */
package dev.pipeseal.jobs.demo;
