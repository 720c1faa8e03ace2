/** What a job did: per-file outcomes, totals, progress lines and the JSON report file. */
package dev.pipeseal.jobs.report;
