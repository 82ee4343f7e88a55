package io.ingot.network;

/** An IPv4 address as its 32 bits, so that ranges and subnets are plain arithmetic. */
public record Ipv4(int bits) implements Comparable<Ipv4> {

    /** Dotted quad, four decimal octets; anything else is an {@link IllegalArgumentException} naming the text. */
    public static Ipv4 parse(String text) {
        String[] parts = text == null ? new String[0] : text.trim().split("\\.", -1);
        if (parts.length != 4) throw new IllegalArgumentException("'" + text + "' is not an IPv4 address (like 10.77.0.10)");
        int bits = 0;
        for (String p : parts) {
            if (!p.matches("\\d{1,3}") || Integer.parseInt(p) > 255) {
                throw new IllegalArgumentException("'" + text + "' is not an IPv4 address (like 10.77.0.10)");
            }
            bits = (bits << 8) | Integer.parseInt(p);
        }
        return new Ipv4(bits);
    }

    public Ipv4 plus(int n) { return new Ipv4(bits + n); }

    public long unsigned() { return Integer.toUnsignedLong(bits); }

    @Override
    public int compareTo(Ipv4 o) { return Integer.compareUnsigned(bits, o.bits); }

    @Override
    public String toString() {
        return (bits >>> 24) + "." + ((bits >>> 16) & 0xff) + "." + ((bits >>> 8) & 0xff) + "." + (bits & 0xff);
    }
}
