/**
 * Reliability drills: the jobs run under injected storage faults (failed creates, renames and
 * deletes, a full disk) and must leave every file and record readable, report what failed, and
 * finish on a rerun. Each drill prints one {@code DRILL} line with its figures
 * (docs/reliability.md).
 */
package dev.pipeseal.jobs.drills;
