/**
 * The one HTTP/JSON client layer shared by the REST KMS providers (Vault Transit, Google Cloud KMS,
 * Azure Key Vault): the JDK's {@link java.net.http.HttpClient}, a small JSON reader for the nested
 * answers these services give, TLS trust settings, cached bearer tokens that refresh before they
 * expire, and the mapping of HTTP failures onto the SPI's typed exceptions. {@link
 * dev.pipeseal.kms.rest.RestKms} holds what the providers' calls have in common and {@link
 * dev.pipeseal.kms.rest.OAuthTokens} the OAuth token requests of the two cloud providers, so each
 * provider keeps only its service's API.
 *
 * <p>No SDK and no JSON library: a Kafka producer that adds a cloud provider gets this package and
 * nothing else (see {@code docs/architecture.md}). Nothing here logs, and no message built here
 * contains a request or response body, because those carry key material and tokens.
 */
package dev.pipeseal.kms.rest;
