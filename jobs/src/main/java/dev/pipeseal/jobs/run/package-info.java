/**
 * Running a job over the files of a lake: its settings (as the job commands parse them), the
 * per-JVM context executors build from them (Hadoop configuration, KMS bridge, throttle), batches
 * in parallel on Spark or a local pool, checkpoints, progress, report and exit code.
 */
package dev.pipeseal.jobs.run;
