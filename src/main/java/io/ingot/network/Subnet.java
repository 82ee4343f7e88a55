package io.ingot.network;

/** An IPv4 subnet, {@code 10.77.0.0/24}: the addresses a NIC on it may have are those strictly between its first and last. */
public record Subnet(Ipv4 base, int prefix) {
    public Subnet {
        if (prefix < 8 || prefix > 30) throw new IllegalArgumentException("a subnet's prefix is 8 to 30, not /" + prefix);
        if ((base.bits() & ~mask(prefix)) != 0) {
            throw new IllegalArgumentException(base + "/" + prefix + " has host bits set (the subnet is "
                    + new Ipv4(base.bits() & mask(prefix)) + "/" + prefix + ")");
        }
    }

    public static Subnet parse(String text) {
        int slash = text == null ? -1 : text.indexOf('/');
        if (slash < 0 || !text.substring(slash + 1).matches("\\d{1,2}")) {
            throw new IllegalArgumentException("'" + text + "' is not a subnet in CIDR form (like 10.77.0.0/24)");
        }
        Ipv4 base;
        try {
            base = Ipv4.parse(text.substring(0, slash));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "' is not a subnet in CIDR form (like 10.77.0.0/24)");
        }
        return new Subnet(base, Integer.parseInt(text.substring(slash + 1)));
    }

    private static int mask(int prefix) { return prefix == 0 ? 0 : -1 << (32 - prefix); }

    public boolean contains(Ipv4 a) { return (a.bits() & mask(prefix)) == base.bits(); }

    public Ipv4 broadcast() { return new Ipv4(base.bits() | ~mask(prefix)); }

    /** In the subnet and neither its network nor its broadcast address. */
    public boolean isHost(Ipv4 a) { return contains(a) && !a.equals(base) && !a.equals(broadcast()); }

    /** {@code a} with this subnet's prefix, as a NIC's address is written: {@code 10.77.0.10/24}. */
    public String cidr(Ipv4 a) { return a + "/" + prefix; }

    @Override
    public String toString() { return base + "/" + prefix; }
}
