/**
 * Secrets given by reference ({@code env:NAME}, {@code file:/path}) for every provider: key-store
 * passwords, HSM PINs, trust-store passwords. One resolver, so no provider ever accepts an inline
 * secret that would end up in a properties file, a Spark conf dump or a log line.
 */
package dev.pipeseal.kms.secret;
