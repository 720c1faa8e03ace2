/**
 * {@code pipeseal keys}: master keys ({@code create | list | describe | rotate}), their lifecycle
 * ({@code status | rotate --if-due | retire}), the key registry ({@code rewrap | compact}) and
 * provider-specific administration reached through capabilities of the KMS SPI ({@code recipient
 * ...}, version retirement). Entry point {@link dev.pipeseal.jobs.keys.KeysCommand}.
 */
package dev.pipeseal.jobs.keys;
