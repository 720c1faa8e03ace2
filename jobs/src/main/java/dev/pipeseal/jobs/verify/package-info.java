/** Verification: every page of every column of a file decrypts and authenticates. */
package dev.pipeseal.jobs.verify;
