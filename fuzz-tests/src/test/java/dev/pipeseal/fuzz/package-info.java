/**
 * Shared pieces of the fuzz targets: the property every parser must keep (parse, or throw one of
 * its typed exceptions) and the writer of seed corpora. The targets themselves live in the packages
 * of the parsers they drive, so that package-private parsers are reached directly rather than
 * through file systems or KMS round trips that would slow every execution.
 */
package dev.pipeseal.fuzz;
