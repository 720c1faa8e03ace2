/**
 * The {@code pipeseal} command line: one entry point for the jobs platform teams schedule (demo
 * now; rotation, re-encryption, inventory and verification as they land) and for the key admin
 * commands of the bridge.
 */
package dev.pipeseal.jobs;
