/**
 * The Azure Key Vault / Managed HSM provider ({@code azure-kv}, URIs {@code
 * azure-kv://VAULT.vault.azure.net/keys/NAME}): DEKs generated locally and wrapped with {@code
 * wrapKey} (RSA-OAEP-256 on Key Vault, A256KW on Managed HSM) under the key's current version,
 * unwrapped with {@code unwrapKey} under the version that wrapped them, rewrapped when the current
 * version moves, with credentials as {@code DefaultAzureCredential} finds them (client secret,
 * workload identity, managed identity). Talks plain REST (api-version 7.4) through {@code
 * dev.pipeseal.kms.rest}; see {@code docs/azure-key-vault.md}.
 */
package dev.pipeseal.kms.azure;
