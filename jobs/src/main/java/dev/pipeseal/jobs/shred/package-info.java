/**
 * {@code pipeseal shred}: crypto-shredding of data subjects, i.e. destroying every key of a subject
 * in the key registry's subject area so that the subject's values, wherever they were copied, can
 * no longer be decrypted. What it cannot reach is listed in docs/operations.md.
 */
package dev.pipeseal.jobs.shred;
