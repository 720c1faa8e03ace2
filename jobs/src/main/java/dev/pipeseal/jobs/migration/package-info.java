/**
 * Migration of a lake and a key registry from one KMS provider to another ({@code rotate --to},
 * {@code keys rewrap --to}): the target becomes the bridge's writer and every configured provider
 * stays a reader, each wrapped DEK is unwrapped by its own provider and wrapped by the target, and
 * external key material files are replaced atomically (data untouched) while files with internal
 * key material are rewritten through the reencrypt path.
 */
package dev.pipeseal.jobs.migration;
