/**
 * The {@code pipeseal} command line (picocli): one entry point, {@link
 * dev.pipeseal.jobs.PipesealCli}, for the demo, the lake jobs platform teams schedule (inventory,
 * rotate, reencrypt, verify) and key administration ({@code keys}), with one option syntax.
 */
package dev.pipeseal.jobs;
