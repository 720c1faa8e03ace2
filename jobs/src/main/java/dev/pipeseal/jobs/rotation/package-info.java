/**
 * Master-key rotation of a lake: rewrap external Parquet key material and registry records to the
 * current master-key versions without touching data; files with internal key material are reported
 * for rewriting.
 */
package dev.pipeseal.jobs.rotation;
