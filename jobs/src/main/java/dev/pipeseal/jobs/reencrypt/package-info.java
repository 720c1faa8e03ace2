/**
 * Re-encryption: rewrite a file under new data keys (and optionally a new policy or algorithm),
 * verify the new file, then swap it in atomically; also encrypts plaintext files (migration).
 */
package dev.pipeseal.jobs.reencrypt;
