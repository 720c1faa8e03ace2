/**
 * The lake job lease: the one file ({@code _pipeseal_job.lease} at the path a job works on) that
 * makes jobs which rewrite files or key material of a lake ({@code rotate}, {@code rotate --to},
 * {@code reencrypt}) exclusive, how it is taken, renewed, handed over from a dead holder, broken by
 * an operator, and the conflict a second job reports.
 */
package dev.pipeseal.jobs.lease;
