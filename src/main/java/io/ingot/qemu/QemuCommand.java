package io.ingot.qemu;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * One QEMU command line. {@link #argv()} is what gets executed; the paths ingot needs
 * afterwards (QMP socket, serial log, pid file) are kept beside it. {@code qemuAt}: where QEMU's own
 * arguments start in {@code argv} when a wrapper that execs it comes first ({@code setsid}, a watchdog).
 */
public record QemuCommand(String name, List<String> argv, Path qmpSocket, Path serialLog, Path pidFile, int qemuAt) {
    public QemuCommand {
        argv = List.copyOf(argv);
        if (qemuAt < 0 || qemuAt >= argv.size()) throw new IllegalArgumentException("no QEMU binary at " + qemuAt + " in " + argv);
    }

    public QemuCommand(String name, List<String> argv, Path qmpSocket, Path serialLog, Path pidFile) {
        this(name, argv, qmpSocket, serialLog, pidFile, 0);
    }

    public static Builder builder(Path binary, String name) {
        return new Builder(binary, name);
    }

    /** QEMU's own command line (its binary first), without a wrapper. */
    public List<String> qemuArgv() {
        return argv.subList(qemuAt, argv.size());
    }

    /** This command run through {@code prefix}, a program that ends by exec'ing QEMU (same PID). */
    public QemuCommand wrappedIn(List<String> prefix) {
        List<String> a = new ArrayList<>(prefix);
        a.addAll(argv);
        return new QemuCommand(name, a, qmpSocket, serialLog, pidFile, qemuAt + prefix.size());
    }

    /** QEMU's command line as a shell would show it, for build logs. */
    public String display() {
        return qemuArgv().stream().map(QemuCommand::shellQuote).collect(Collectors.joining(" "));
    }

    private static String shellQuote(String s) {
        if (!s.isEmpty() && s.chars().allMatch(c -> Character.isLetterOrDigit(c) || "-_./=,:@+%".indexOf(c) >= 0)) return s;
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** QEMU option values use ',' as separator; a literal comma is written twice. */
    static String esc(Object value) {
        return String.valueOf(value).replace(",", ",,");
    }

    /**
     * A disk or optical drive.
     *
     * @param iface virtio, ide, scsi, none ...
     */
    public record Drive(Path file, String format, String iface, boolean readOnly, boolean cdrom) {
        public Drive {
            Objects.requireNonNull(file, "drive file");
            format = format == null ? "qcow2" : format;
            iface = iface == null ? "virtio" : iface;
        }

        public static Drive disk(Path file, String format, String iface) {
            return new Drive(file, format, iface, false, false);
        }

        /** An ISO on the IDE bus: virtio-blk cannot carry CD media. */
        public static Drive cdrom(Path iso) {
            return new Drive(iso, "raw", "ide", true, true);
        }

        String option() {
            StringBuilder sb = new StringBuilder("file=").append(esc(file)).append(",format=").append(format).append(",if=").append(iface);
            if (cdrom) sb.append(",media=cdrom");
            if (readOnly) sb.append(",readonly=on");
            return sb.toString();
        }
    }

    /**
     * A NIC: on the user-mode network ({@code tap} null), where {@code hostSshPort} forwards 127.0.0.1:port to the
     * guest's {@code guestPort}; or on a tap device QEMU makes with that name (no script: ingot adds it to a bridge).
     */
    public record Nic(String model, String mac, Integer hostSshPort, int guestPort, String tap) {
        public Nic {
            model = model == null ? "virtio-net-pci" : model;
        }

        public Nic(String model, String mac, Integer hostSshPort, int guestPort) { this(model, mac, hostSshPort, guestPort, null); }

        public static Nic user(String model, String mac, Integer hostSshPort) {
            return new Nic(model, mac, hostSshPort, 22);
        }

        public static Nic tap(String model, String mac, String tap) {
            return new Nic(model, mac, null, 22, tap);
        }

        /** The {@code -netdev} option of this NIC, as {@code id}. */
        String netdev(String id) {
            if (tap != null) return "tap,id=" + id + ",ifname=" + tap + ",script=no,downscript=no";
            return "user,id=" + id + (hostSshPort != null ? ",hostfwd=tcp:127.0.0.1:" + hostSshPort + "-:" + guestPort : "");
        }
    }

    /**
     * Guest RAM in a file (RAM templates). The template VM maps it {@code share=on}; clones map it privately
     * and, when QEMU supports {@code rom=}, open it read-only.
     */
    public record MemoryBackend(String id, Path memPath, long sizeMiB, boolean share, boolean readOnly) {
        public MemoryBackend {
            id = id == null ? "pc.ram" : id;
            Objects.requireNonNull(memPath, "mem-path");
        }

        String option() {
            StringBuilder sb = new StringBuilder("memory-backend-file,id=").append(id)
                    .append(",mem-path=").append(esc(memPath)).append(",size=").append(sizeMiB).append("M")
                    .append(",share=").append(share ? "on" : "off");
            // readonly=on alone would make the guest RAM read-only (ROM); rom=off keeps it writable (>= 8.2).
            if (readOnly) sb.append(",readonly=on,rom=off");
            return sb.toString();
        }
    }

    /** PCI slot of the guest agent's virtio-serial controller: the same in build VMs, RAM template and clones. */
    public static final String AGENT_SLOT = "0x11";
    /** The virtio-serial port name qemu-guest-agent opens in the guest. */
    public static final String AGENT_PORT = "org.qemu.guest_agent.0";

    public static final class Builder {
        private final Path binary;
        private final String name;
        private String machineType = "pc";
        private String accel = "tcg";
        private String cpu;
        private int smp = 1;
        private long memoryMiB = 512;
        private boolean nodefaults = true;
        private final List<Drive> drives = new ArrayList<>();
        private String bootOrder;
        private Path kernel;
        private Path initrd;
        private String append;
        private final List<Nic> nics = new ArrayList<>();
        private Path serialLog;
        private Path serialSocket;
        private Path qmpSocket;
        private Path pidFile;
        private boolean noReboot;
        private UUID smbiosUuid;
        private UUID vmgenid;
        private MemoryBackend memoryBackend;
        private boolean incomingDefer;
        private boolean paused;
        private String vga;
        private String vnc;
        private Path agentSocket;
        private Path firmwareCode;
        private Path firmwareVars;
        private final List<String> fwCfgFiles = new ArrayList<>();
        private final List<String> extra = new ArrayList<>();

        private Builder(Path binary, String name) {
            this.binary = Objects.requireNonNull(binary, "binary");
            this.name = Objects.requireNonNull(name, "name");
        }

        public Builder machine(String type) { this.machineType = type; return this; }
        public Builder accel(String accel) { this.accel = accel; return this; }
        public Builder cpu(String cpu) { this.cpu = cpu; return this; }
        public Builder smp(int cpus) { this.smp = cpus; return this; }
        public Builder memoryMiB(long mib) { this.memoryMiB = mib; return this; }
        /** {@code -nodefaults} (on by default): no VGA, default NIC, serial, floppy or CD unless asked for. */
        public Builder nodefaults(boolean on) { this.nodefaults = on; return this; }
        public Builder drive(Drive drive) { drives.add(drive); return this; }
        public Builder disk(Path file, String format, String iface) { return drive(Drive.disk(file, format, iface)); }
        public Builder cdrom(Path iso) { return drive(Drive.cdrom(iso)); }
        /** {@code -boot order=dc} etc.: d = CD, c = first disk, n = network. */
        public Builder bootOrder(String order) { this.bootOrder = order; return this; }
        public Builder kernel(Path kernel, Path initrd, String append) { this.kernel = kernel; this.initrd = initrd; this.append = append; return this; }
        /** Adds a NIC (net0, net1 ... in the order added). */
        public Builder nic(Nic nic) { nics.add(nic); return this; }
        public Builder serialLog(Path file) { this.serialLog = file; return this; }
        /**
         * The serial port as a unix socket QEMU listens on (one client at a time: {@code ingot console}), still
         * written to the {@link #serialLog serial log} as before, client or not.
         */
        public Builder serialConsole(Path socket) { this.serialSocket = socket; return this; }
        public Builder qmp(Path socket) { this.qmpSocket = socket; return this; }
        public Builder pidFile(Path file) { this.pidFile = file; return this; }
        /** Exit instead of rebooting: an installer's final reboot then ends the VM. */
        public Builder noReboot(boolean on) { this.noReboot = on; return this; }
        public Builder smbiosUuid(UUID uuid) { this.smbiosUuid = uuid; return this; }
        public Builder vmgenid(UUID guid) { this.vmgenid = guid; return this; }
        public Builder memoryBackend(MemoryBackend backend) { this.memoryBackend = backend; return this; }
        /** {@code -incoming defer}: wait for {@code migrate-incoming} over QMP (memory clones). */
        public Builder incomingDefer(boolean on) { this.incomingDefer = on; return this; }
        /** {@code -S}: do not start the CPUs until QMP {@code cont}. */
        public Builder paused(boolean on) { this.paused = on; return this; }
        public Builder extraArgs(List<String> args) { extra.addAll(args); return this; }
        /** A display adapter ({@code std}, {@code virtio} ...): installers draw on it and screendumps read it. */
        public Builder vga(String model) { this.vga = model; return this; }
        /** A VNC server, e.g. {@code 127.0.0.1:0,to=99} (the first free display from 0 to 99). */
        public Builder vnc(String spec) { this.vnc = spec; return this; }
        /** A virtio-serial channel for qemu-guest-agent, its host end a unix socket QEMU listens on. */
        public Builder guestAgent(Path socket) { this.agentSocket = socket; return this; }
        /** UEFI firmware: the code read-only, the variable store writable (a private copy). */
        public Builder firmware(Path code, Path vars) { this.firmwareCode = code; this.firmwareVars = vars; return this; }
        /** A file the guest reads through fw_cfg under {@code name} (e.g. {@code opt/io.ingot/onrestore}). */
        public Builder fwCfgFile(String name, Path file) { fwCfgFiles.add("name=" + esc(name) + ",file=" + esc(file)); return this; }

        public QemuCommand build() {
            List<String> a = new ArrayList<>();
            a.add(binary.toString());
            a.add("-name");
            a.add(esc(name));
            if (nodefaults) a.add("-nodefaults");
            String machine = machineType + ",accel=" + accel;
            if (memoryBackend != null) machine += ",memory-backend=" + memoryBackend.id();
            add(a, "-machine", machine);
            if (cpu != null) add(a, "-cpu", cpu);
            add(a, "-smp", Integer.toString(smp));
            add(a, "-m", (memoryBackend != null ? memoryBackend.sizeMiB() : memoryMiB) + "M");
            if (memoryBackend != null) add(a, "-object", memoryBackend.option());
            if (firmwareCode != null) {
                add(a, "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + esc(firmwareCode));
                add(a, "-drive", "if=pflash,format=raw,unit=1,file=" + esc(firmwareVars));
            }
            for (Drive d : drives) add(a, "-drive", d.option());
            if (bootOrder != null) add(a, "-boot", "order=" + bootOrder);
            if (kernel != null) {
                add(a, "-kernel", kernel.toString());
                if (initrd != null) add(a, "-initrd", initrd.toString());
                if (append != null) add(a, "-append", append);
            }
            for (int i = 0; i < nics.size(); i++) {
                Nic nic = nics.get(i);
                add(a, "-netdev", nic.netdev("net" + i));
                add(a, "-device", nic.model() + ",netdev=net" + i + (nic.mac() != null ? ",mac=" + nic.mac() : ""));
            }
            if (serialSocket != null) {
                // logfile truncates at each start, as -serial file: does: a serial log holds one run of the VM
                add(a, "-chardev", "socket,id=serial0,path=" + esc(serialSocket) + ",server=on,wait=off"
                        + (serialLog != null ? ",logfile=" + esc(serialLog) + ",logappend=off" : ""));
                add(a, "-serial", "chardev:serial0");
            } else if (serialLog != null) {
                add(a, "-serial", "file:" + serialLog);
            }
            if (qmpSocket != null) add(a, "-qmp", "unix:" + esc(qmpSocket) + ",server=on,wait=off");
            if (pidFile != null) add(a, "-pidfile", pidFile.toString());
            if (vga != null) add(a, "-vga", vga);
            add(a, "-display", "none");
            if (vnc != null) add(a, "-vnc", vnc);
            if (agentSocket != null) {
                add(a, "-chardev", "socket,id=qga0,path=" + esc(agentSocket) + ",server=on,wait=off");
                add(a, "-device", "virtio-serial-pci,id=vser0,addr=" + AGENT_SLOT);
                add(a, "-device", "virtserialport,bus=vser0.0,chardev=qga0,name=" + AGENT_PORT);
            }
            if (noReboot) a.add("-no-reboot");
            if (smbiosUuid != null) add(a, "-smbios", "type=1,uuid=" + smbiosUuid);
            if (vmgenid != null) add(a, "-device", "vmgenid,guid=" + vmgenid);
            for (String f : fwCfgFiles) add(a, "-fw_cfg", f);
            if (paused) a.add("-S");
            if (incomingDefer) add(a, "-incoming", "defer");
            a.addAll(extra);
            return new QemuCommand(name, a, qmpSocket, serialLog, pidFile);
        }

        private static void add(List<String> a, String option, String value) {
            a.add(option);
            a.add(value);
        }
    }
}
