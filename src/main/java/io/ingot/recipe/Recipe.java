package io.ingot.recipe;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * A recipe as written in YAML, bound after {@link RecipeValidator} accepted it.
 * Field names are the YAML keys; docs/recipes.md documents each one.
 */
public record Recipe(
        String name,
        String description,
        Map<String, Variable> variables,
        Media media,
        Machine machine,
        Boot boot,
        Http http,
        Communicator communicator,
        List<Provisioner> provisioners,
        Seal seal,
        Shutdown shutdown,
        Template template,
        List<VerifyCheck> verify,
        Publish publish,
        Schedule schedule,
        List<String> onRestore,
        String from,
        Build build) {

    public Recipe {
        variables = variables == null ? Map.of() : Map.copyOf(variables);
        machine = machine == null ? Machine.DEFAULT : machine;
        boot = boot == null ? Boot.DEFAULT : boot;
        communicator = communicator == null ? Communicator.DEFAULT : communicator;
        provisioners = provisioners == null ? List.of() : List.copyOf(provisioners);
        seal = seal == null ? Seal.DEFAULT : seal;
        shutdown = shutdown == null ? Shutdown.DEFAULT : shutdown;
        template = template == null ? Template.DEFAULT : template;
        verify = verify == null ? List.of() : List.copyOf(verify);
        publish = publish == null ? Publish.DEFAULT : publish;
        onRestore = onRestore == null ? List.of() : List.copyOf(onRestore);
        build = build == null ? Build.DEFAULT : build;
    }

    /** Without {@code from} and {@code build} (a recipe that installs from media, on any worker). */
    public Recipe(String name, String description, Map<String, Variable> variables, Media media, Machine machine, Boot boot,
                  Http http, Communicator communicator, List<Provisioner> provisioners, Seal seal, Shutdown shutdown,
                  Template template, List<VerifyCheck> verify, Publish publish, Schedule schedule, List<String> onRestore) {
        this(name, description, variables, media, machine, boot, http, communicator, provisioners, seal, shutdown, template,
                verify, publish, schedule, onRestore, null, null);
    }

    /**
     * Whether a build of this recipe runs an installer (media with an ISO or a kernel). A recipe made {@code from} a
     * published template, or from a ready disk image ({@code media.disk}), boots its disk straight away.
     */
    public boolean installs() {
        return from == null && media != null && (media.iso() != null || media.kernel() != null);
    }

    /** Where a build may run: {@code requires} lists the labels a worker must announce (kvm, x86_64, ...). */
    public record Build(List<String> requires) {
        public static final Build DEFAULT = new Build(null);
        public Build { requires = requires == null ? List.of() : List.copyOf(requires); }
    }

    /** A recipe variable; {@code sensitive} values are masked wherever they would be printed. */
    public record Variable(@JsonProperty("default") String defaultValue, Boolean sensitive, String description) {
        public boolean isSensitive() { return Boolean.TRUE.equals(sensitive); }
    }

    /**
     * Installation media: an ISO, or a kernel + initrd for direct kernel boot; or {@code disk}, a ready disk image
     * (a cloud image, qcow2 or raw, like Packer's disk_image) that the build boots instead of installing.
     */
    public record Media(Source iso, Source kernel, Source initrd, String append, Source disk) {
        public Media(Source iso, Source kernel, Source initrd, String append) {
            this(iso, kernel, initrd, append, null);
        }

        public boolean isIso() { return iso != null; }
    }

    /**
     * Where one media file comes from: {@code url} (http, https, file), {@code path}
     * (relative to the recipe), or {@code builtin} (media ingot builds itself: tinyinstall, debianinstall).
     * {@code suite}, {@code mirror} and {@code packages} tune the debianinstall media; {@code format} (qcow2 or
     * raw, default qcow2) is a {@code media.disk}'s.
     */
    public record Source(String url, String path, String builtin, String checksum,
                         String suite, String mirror, List<String> packages, String format) {
        public Source(String url, String path, String builtin, String checksum) {
            this(url, path, builtin, checksum, null, null, null, null);
        }

        public Source(String url, String path, String builtin, String checksum, String suite, String mirror, List<String> packages) {
            this(url, path, builtin, checksum, suite, mirror, packages, null);
        }

        public String diskFormat() { return format == null ? "qcow2" : format; }
    }

    /** {@code guestAgent}: a virtio-serial channel for qemu-guest-agent in build VMs, RAM template and clones. */
    public record Machine(String accel, Integer cpus, String memory, String type, String firmware,
                          String cpu, Disk disk, Nic nic, List<String> qemuArgs, Boolean guestAgent) {
        public static final Machine DEFAULT = new Machine(null, null, null, null, null, null, null, null, null, null);
        public Machine(String accel, Integer cpus, String memory, String type, String firmware,
                       String cpu, Disk disk, Nic nic, List<String> qemuArgs) {
            this(accel, cpus, memory, type, firmware, cpu, disk, nic, qemuArgs, null);
        }
        public Machine {
            accel = accel == null ? "auto" : accel;
            cpus = cpus == null ? 1 : cpus;
            memory = memory == null ? "512M" : memory;
            type = type == null ? "pc" : type;
            firmware = firmware == null ? "bios" : firmware;
            cpu = cpu == null ? "max" : cpu;
            disk = disk == null ? Disk.DEFAULT : disk;
            nic = nic == null ? Nic.DEFAULT : nic;
            qemuArgs = qemuArgs == null ? List.of() : List.copyOf(qemuArgs);
            guestAgent = guestAgent != null && guestAgent;
        }

        public boolean hasGuestAgent() { return Boolean.TRUE.equals(guestAgent); }
        public boolean isUefi() { return "uefi".equals(firmware); }
    }

    public record Disk(String size, String format, @JsonProperty("interface") String iface) {
        public static final Disk DEFAULT = new Disk(null, null, null);
        public Disk {
            size = size == null ? "2G" : size;
            format = format == null ? "qcow2" : format;
            iface = iface == null ? "virtio" : iface;
        }
    }

    public record Nic(String model) {
        public static final Nic DEFAULT = new Nic(null);
        public Nic { model = model == null ? "virtio-net-pci" : model; }
    }

    /**
     * The boot command typed at the installer's prompt, Packer-style tokens included. {@code timeout} bounds
     * the whole install; {@code stallTimeout} fails it sooner when neither the disk nor the console changed.
     */
    public record Boot(@JsonProperty("wait") String initialWait, List<String> command, String keyInterval, String timeout,
                       String stallTimeout) {
        public static final Boot DEFAULT = new Boot(null, null, null, null, null);
        public Boot {
            initialWait = initialWait == null ? "0s" : initialWait;
            command = command == null ? List.of() : List.copyOf(command);
            keyInterval = keyInterval == null ? "20ms" : keyInterval;
            timeout = timeout == null ? "30m" : timeout;
            stallTimeout = stallTimeout == null ? "10m" : stallTimeout;
        }
        public Boot(String initialWait, List<String> command, String keyInterval, String timeout) {
            this(initialWait, command, keyInterval, timeout, null);
        }
    }

    /** Directory of answer files, relative to the recipe; *.ftl files are rendered with FreeMarker. */
    public record Http(String directory) { }

    public record Communicator(String type, String user, Integer port, String timeout) {
        public static final Communicator DEFAULT = new Communicator(null, null, null, null);
        public Communicator {
            type = type == null ? "ssh" : type;
            user = user == null ? "root" : user;
            port = port == null ? 22 : port;
            timeout = timeout == null ? "10m" : timeout;
        }
        public boolean isSsh() { return "ssh".equals(type); }
    }

    /**
     * One provisioning step: {@code shell}, {@code file} or {@code reboot}. {@code retryOn}: the failures that
     * {@code retries} retries, of {@link #FAILURES}; by default only those a second attempt can pass (a timeout, a
     * lost connection), not a command's own exit status, which would only fail the same way again.
     */
    public record Provisioner(String type, String name, List<String> inline, String script,
                              Map<String, String> env, String timeout, Integer retries, List<String> retryOn,
                              Boolean expectDisconnect, String source, String destination) {
        public static final String EXIT = "exit";
        public static final String TIMEOUT = "timeout";
        public static final String DISCONNECT = "disconnect";
        public static final List<String> FAILURES = List.of(EXIT, TIMEOUT, DISCONNECT);
        public static final List<String> RETRY_ON_DEFAULT = List.of(TIMEOUT, DISCONNECT);

        public Provisioner {
            env = env == null ? Map.of() : Map.copyOf(env);
            timeout = timeout == null ? "10m" : timeout;
            retries = retries == null ? 0 : retries;
            retryOn = retryOn == null ? RETRY_ON_DEFAULT : List.copyOf(retryOn);
            inline = inline == null ? List.of() : List.copyOf(inline);
        }
        public boolean expectsDisconnect() { return Boolean.TRUE.equals(expectDisconnect); }
    }

    /** What sealing removes; see {@link SealOperation}. */
    public record Seal(List<String> operations, List<String> keepAuthorizedKeys, List<String> extra) {
        public static final Seal DEFAULT = new Seal(null, null, null);
        public Seal {
            operations = operations == null ? SealOperation.defaults() : List.copyOf(operations);
            keepAuthorizedKeys = keepAuthorizedKeys == null ? List.of() : List.copyOf(keepAuthorizedKeys);
            extra = extra == null ? List.of() : List.copyOf(extra);
        }
    }

    public record Shutdown(String command, String timeout) {
        public static final Shutdown DEFAULT = new Shutdown(null, null);
        public Shutdown {
            command = command == null ? "poweroff" : command;
            timeout = timeout == null ? "2m" : timeout;
        }
    }

    public record Template(String format, Boolean compress, Boolean ram) {
        public static final Template DEFAULT = new Template(null, null, null);
        public Template {
            format = format == null ? "qcow2" : format;
            compress = compress != null && compress;
            ram = ram != null && ram;
        }
    }

    /** A check run in a linked clone before publishing: a shell command that must exit 0. */
    public record VerifyCheck(String name, String run, String timeout) { }

    public record Publish(List<String> storage, String channel, Gate gate) {
        public static final Publish DEFAULT = new Publish(null, null, null);
        public Publish {
            storage = storage == null ? List.of("local") : List.copyOf(storage);
            channel = channel == null ? "latest" : channel;
        }
    }

    /**
     * The vulnerability gate before publish: the version's SBOM is matched against {@code feed} (OSV or Debian security
     * tracker JSON, a file or folder relative to the recipe's folder); a finding above {@code maxSeverity} (default
     * {@code high}: only critical ones stop) whose id is not in {@code allow} fails the build.
     */
    public record Gate(String maxSeverity, List<String> allow, String feed) {
        public Gate {
            maxSeverity = maxSeverity == null ? "high" : maxSeverity;
            allow = allow == null ? List.of() : List.copyOf(allow);
        }
    }

    public record Schedule(String cron, String when) {
        public Schedule { when = when == null ? "changed" : when; }
    }
}
