/**
 * Inventory: what each file of a lake is (plaintext, or PME with its footer mode, algorithm,
 * columns and master key versions), read from what the format leaves readable without keys, and
 * which keys its Pipeseal envelope cells reference (sampled from envelope headers).
 */
package dev.pipeseal.jobs.inventory;
