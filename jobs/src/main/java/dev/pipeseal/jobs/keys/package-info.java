/**
 * Admin command line for master keys and the key registry: {@code pipeseal keys create | list |
 * describe | rotate | rewrap | compact}. Entry point {@link dev.pipeseal.jobs.keys.KeysCli}; the
 * exit codes are in {@link dev.pipeseal.jobs.keys.ExitCode}.
 */
package dev.pipeseal.jobs.keys;
