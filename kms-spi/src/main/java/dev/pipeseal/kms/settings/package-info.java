/**
 * The one settings toolkit: declared properties ({@link dev.pipeseal.kms.settings.Property},
 * grouped per component in a {@link dev.pipeseal.kms.settings.PropertySet}) read through a {@link
 * dev.pipeseal.kms.settings.Settings} view of a flat string map. It owns the value syntax of every
 * Pipeseal property (durations, sizes, ranges, enums, lists, secret references), the rejection of
 * unknown names with the nearest valid one, and deprecated aliases. Hand-written and
 * dependency-free because Kafka clients load this module.
 */
package dev.pipeseal.kms.settings;
