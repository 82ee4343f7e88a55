package io.ingot.template;

/**
 * The NIC a RAM template kept from its capture VM: it sits in the device state at PCI slot {@code slot} with MAC
 * {@code mac}, on QEMU's user network, its link up and its address (10.0.2.15, by DHCP) set, as the cold boot left
 * it. Each memory clone resumes with that NIC in place of plugging in a new one (a hot-plug costs the guest its
 * ACPI, driver, udev and networkd work, and a DHCP exchange, before the first login): its NIC on the user network
 * keeps the template's MAC, which no other host sees (each clone's user network is its own).
 */
public record KeptNic(String slot, String mac) { }
