/**
 * Admin command line for master keys and the key registry: {@code pipeseal keys create | list |
 * describe | rotate | rewrap | compact}. Entry point {@link dev.pipeseal.kms.cli.KeysCli}; the exit
 * codes are in {@link dev.pipeseal.kms.cli.ExitCode}.
 */
package dev.pipeseal.kms.cli;
