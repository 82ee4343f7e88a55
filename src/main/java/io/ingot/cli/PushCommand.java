package io.ingot.cli;

import io.ingot.images.ImageStore;
import io.ingot.qemu.AcceleratorProbe;
import io.ingot.qemu.QemuInstallation;
import io.ingot.target.PushService;
import io.ingot.target.Targets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

@Command(name = "push", mixinStandardHelpOptions = true,
        description = {"Hand a template version or a clone to another system and record the copy.",
                "A template becomes a new linked clone there (an overlay on its read-only",
                "base; --full: a copy) with an identity of its own; a clone is copied whole",
                "and keeps its identity. While a linked copy exists, its version stays.",
                "TARGET's scheme picks the target:",
                "  libvirt:///system?pool=POOL&name=NAME (or libvirt's own qemu:///system,",
                "  qemu+ssh://HOST/system): a domain, its disk and seed volumes in POOL.",
                "  Options: pool (default: default), name (default: NAME-VERSION, or the",
                "  clone's), network (a libvirt network; default: user-mode networking),",
                "  type (kvm or qemu; default: what ingot uses here), run-as=root (QEMU as",
                "  root, for images libvirt's QEMU user cannot reach).",
                "  oci://REGISTRY/REPO[:TAG] (HTTPS; oci+http:// plain HTTP, loopback only):",
                "  a KubeVirt containerDisk image (always a full copy; --ram adds the RAM",
                "  template as layers); TAG defaults to NAME-VERSION or the clone's name.",
                "  glance+http://HOST:9292?name=NAME (or glance+https): a Glance image (--full);",
                "  options name, visibility, disk_format (qcow2 or raw), os_distro, rbd=STORAGE",
                "  and pool (Glance's rbd layout on that storage's Ceph); a Keystone token",
                "  from OS_AUTH_TOKEN.",
                "  ova:/PATH/NAME.ova (always a full copy): an OVF package with a stream-",
                "  optimized VMDK. Options: name (the machine's), force=true (replace it).",
                "  proxmox:STORAGE?vmid=N (a full copy): Proxmox's template VM N on an ingot",
                "  dir storage a Proxmox cluster shares, and its qemu-server config. Options:",
                "  config (default STORAGE/N.conf), name, bridge (vmbr0), storage-id, node."})
public class PushCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SOURCE", description = "NAME, NAME:VERSION, NAME@CHANNEL or a clone's name.") String source;
    @Parameters(index = "1", paramLabel = "TARGET", description = "Where to, e.g. libvirt:///system?pool=default&name=web1.") String target;
    @Option(names = "--full", description = "A full copy of the template's disk instead of a linked clone.") boolean full;
    @Option(names = "--ram", description = "Also hand over the RAM template (only to targets that take one).") boolean ram;
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ImageStore store = CatalogViews.openWithProgress();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        PushService push = new PushService(store, Targets.registered(),
                () -> AcceleratorProbe.forIngot(QemuInstallation.detect(), store.paths()).auto().name());
        PushService.Pushed p = push.push(source, target, full, ram, line -> {
            err.println(line);
            err.flush();
        });
        out.println("pushed " + p.delivered().summary());
        out.flush();
        return 0;
    }
}
