package io.ingot.cli;

import io.ingot.trust.KeyFiles;
import io.ingot.trust.SiteKey;
import io.ingot.trust.TrustedKeys;
import io.ingot.trust.VersionTrust;
import io.ingot.util.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "key", mixinStandardHelpOptions = true,
        description = {"This site's signing key and the keys it trusts.",
                "The key (Ed25519) is made on first use in images/.ingot/keys/; the trusted keys are images/trust/*.pem.",
                "Versions from another host must be signed by one of them."},
        subcommands = {KeyCommand.Show.class, KeyCommand.Export.class, KeyCommand.Rotate.class, KeyCommand.Trust.class})
public class KeyCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static VersionTrust trust() {
        return CatalogViews.open().trust();
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Print the site key's id and public key, and the keys trusted here.")
    static class Show implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            VersionTrust t = trust();
            KeyPair kp = t.siteKey().load();
            PrintWriter out = spec.commandLine().getOut();
            out.println("key id: " + KeyFiles.keyId(kp.getPublic()));
            out.println("file: " + t.siteKey().file());
            out.print(KeyFiles.publicPem(kp.getPublic()));
            TrustedKeys trusted = t.trusted();
            out.println("trusted (" + t.trustDir() + "):");
            for (Map.Entry<String, String> e : trusted.all().entrySet()) out.println("  " + e.getKey() + "  " + e.getValue());
            out.flush();
            return 0;
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Write the site's public key (PEM) to FILE, or print it: what 'ingot key trust' and images/trust/ take on another host.")
    static class Export implements Callable<Integer> {
        @Parameters(arity = "0..1", paramLabel = "FILE") Path file;
        @Spec CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            PublicKey k = trust().siteKey().load().getPublic();
            if (file == null) {
                spec.commandLine().getOut().print(KeyFiles.publicPem(k));
            } else {
                Files.writeString(file, KeyFiles.publicPem(k));
                spec.commandLine().getOut().println("wrote public key " + KeyFiles.keyId(k) + " to " + file);
            }
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "rotate", mixinStandardHelpOptions = true,
            description = {"Make a new site key.",
                    "The old public key stays in images/trust/, so the versions it signed still verify; remove that file to stop trusting them."})
    static class Rotate implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            VersionTrust t = trust();
            SiteKey.Rotated old = t.siteKey().rotate();
            PrintWriter out = spec.commandLine().getOut();
            out.println("new key id: " + KeyFiles.keyId(t.siteKey().load().getPublic()));
            out.println("old key " + old.oldId() + " kept in " + old.kept());
            out.flush();
            return 0;
        }
    }

    @Command(name = "trust", mixinStandardHelpOptions = true,
            description = {"Trust the public key in FILE (PEM, as 'ingot key export' writes it), copied into images/trust/.",
                    "Another site's key, or a worker's: a daemon registers a worker's builds only when it trusts the worker's key."})
    static class Trust implements Callable<Integer> {
        @Parameters(paramLabel = "FILE") Path file;
        @Spec CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            if (!Files.isRegularFile(file)) throw new UserError("no file " + file);
            PublicKey k = KeyFiles.parsePublic(Files.readString(file), file.toString());
            VersionTrust t = trust();
            String id = KeyFiles.keyId(k);
            Files.createDirectories(t.trustDir());
            Path to = t.trustDir().resolve(id.substring(0, 16) + ".pem");
            Files.writeString(to, KeyFiles.publicPem(k));
            spec.commandLine().getOut().println("trusted key " + id + " (" + to + ")");
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
