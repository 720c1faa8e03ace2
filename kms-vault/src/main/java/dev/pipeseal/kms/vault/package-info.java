/**
 * The HashiCorp Vault / OpenBao Transit provider ({@code vault}, URIs {@code
 * vault+https://host:8200/transit/keys/NAME}): data keys from Transit's {@code datakey} endpoint,
 * unwrap by {@code decrypt}, rotation-aware {@code rewrap}, key read and rotate, with token,
 * AppRole or Kubernetes authentication and renewal of the tokens it logs in for. Talks plain REST
 * through {@code dev.pipeseal.kms.rest}; see {@code docs/vault.md}.
 */
package dev.pipeseal.kms.vault;
