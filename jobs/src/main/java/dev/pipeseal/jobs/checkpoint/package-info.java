/**
 * Resumable runs: which files a killed run already finished, stored as small immutable batch files
 * next to the lake so a rerun skips them.
 */
package dev.pipeseal.jobs.checkpoint;
