package io.ingot.recipe;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The fields of derived and fleet builds: from, media.disk, build.requires. */
class RecipeFromTest {
    private final RecipeValidator validator = new RecipeValidator();

    private List<String> problems(String recipe) {
        return validator.validate(Path.of("r.yaml"), recipe, Map.of()).stream().map(Problem::format).toList();
    }

    @Test
    void aRecipeFromATemplateNeedsNoMediaAndTakesNone() {
        assertEquals(List.of(), problems("name: web\nfrom: tiny-linux@latest\n"));
        assertEquals(List.of(), problems("name: web\nfrom: tiny-linux:3\n"));
        assertEquals(List.of("r.yaml:3:1: media: not used with from (the build starts from the published template)"),
                problems("name: web\nfrom: tiny-linux\nmedia:\n  iso: {builtin: tinyinstall}\n"));
        assertEquals(List.of("r.yaml:2:7: from: expected a published template as NAME, NAME:VERSION or NAME@CHANNEL "
                        + "(e.g. debian-12-minimal@stable), got 'tiny-linux:latest'"),
                problems("name: web\nfrom: tiny-linux:latest\n"));
        assertEquals(List.of("r.yaml:4:3: boot.command: typed into an installer; a recipe built from a template boots no installer"),
                problems("name: web\nfrom: tiny-linux\nboot:\n  command: [\"<enter>\"]\n"));
    }

    @Test
    void aDiskImageComesFromAUrlOrAPathWithAChecksum() {
        String sum = "sha256:" + "a".repeat(64);
        assertEquals(List.of(), problems("name: c\nmedia:\n  disk:\n    url: https://example.org/cloud.qcow2\n    checksum: " + sum + "\n"));
        assertEquals(List.of(), problems("name: c\nmedia:\n  disk:\n    url: https://example.org/cloud.raw\n    format: raw\n    checksum: " + sum + "\n"));
        assertEquals(List.of("r.yaml:3:3: media.disk: a disk image comes from a url or a path (builtin media are installers)"),
                problems("name: c\nmedia:\n  disk: {builtin: tinyinstall}\n"));
        assertEquals(List.of("r.yaml:2:1: media: give either a disk, an iso, or a kernel and an initrd, not several"),
                problems("name: c\nmedia:\n  disk: {url: https://example.org/c.qcow2, checksum: " + sum + "}\n  iso: {builtin: tinyinstall}\n"));
        assertEquals(List.of("r.yaml:3:51: media.disk.format: must be one of qcow2, raw, got 'vmdk'"),
                problems("name: c\nmedia:\n  disk: {url: https://example.org/c.vmdk, format: vmdk, checksum: " + sum + "}\n"));
        assertEquals(List.of("r.yaml:3:9: media.iso.format: only for media.disk (qcow2 or raw)"),
                problems("name: c\nmedia:\n  iso: {format: raw, builtin: tinyinstall}\n"));
    }

    @Test
    void requiredLabelsAreLabelsAndAtMostEight() {
        assertEquals(List.of(), problems("name: k\nfrom: base\nbuild:\n  requires: [kvm, x86_64]\n"));
        assertEquals(List.of("r.yaml:4:14: build.requires[0]: 'KVM!' is not a worker label (lower-case letters, digits, '.', '-', '_'; e.g. kvm, x86_64)"),
                problems("name: k\nfrom: base\nbuild:\n  requires: [\"KVM!\"]\n"));
        assertEquals(List.of("r.yaml:4:3: build.requires: at most 8 labels, got 9"),
                problems("name: k\nfrom: base\nbuild:\n  requires: [a, b, c, d, e, f, g, h, i]\n"));
    }
}
