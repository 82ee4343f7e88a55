package io.ingot.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ingot.daemon.ApiToken;
import io.ingot.daemon.DaemonConfig;
import io.ingot.template.TemplateRef;
import io.ingot.tls.ClientTrust;
import io.ingot.util.IngotPaths;
import io.ingot.util.Json;
import io.ingot.util.LimitedRead;
import io.ingot.util.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "submit", mixinStandardHelpOptions = true,
        description = {"Queue a build of recipe NAME on the running daemon.",
                "The daemon has one queue for scheduled, API and CLI builds; with --follow, print the build's",
                "log until it ends. Exit 1 if that build failed."})
public class SubmitCommand implements Callable<Integer> {
    @Parameters(paramLabel = "NAME", description = "The recipe's name (from the daemon's recipes directory).")
    String name;

    @Option(names = "--url", paramLabel = "URL", description = "The daemon (default http://127.0.0.1:PORT, PORT from images/daemon.yaml, else 8470); "
            + "https://... for a daemon serving --tls.")
    String url;

    @Option(names = "--follow", description = "Stream the build's log until it has finished.")
    boolean follow;

    @Mixin
    TlsClientOptions tls = new TlsClientOptions();

    @Override
    public Integer call() throws Exception {
        TemplateRef.checkName(name, "recipe name");
        IngotPaths paths = IngotPaths.fromEnvironment();
        String base = url != null ? url.replaceAll("/+$", "") : "http://127.0.0.1:" + DaemonConfig.load(paths).port();
        String token = System.getenv("INGOT_TOKEN") != null ? System.getenv("INGOT_TOKEN") : ApiToken.read(paths.state());
        if (token == null) throw new UserError("no API token: set INGOT_TOKEN or run this where the daemon keeps images/.ingot/api-token");
        ClientTrust trust = tls.trust();
        if (trust.given() && !base.startsWith("https://")) throw new UserError("--tls-fingerprint and --tls-ca are for an https:// --url, got " + base);
        HttpClient http = trust.httpClient().build();
        ObjectMapper json = Json.MAPPER;
        String body = json.writeValueAsString(Map.of("recipe", name, "source", "cli"));
        HttpResponse<InputStream> rs;
        try {
            rs = http.send(HttpRequest.newBuilder(URI.create(base + "/api/builds")).header("Authorization", "Bearer " + token)
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (ConnectException e) {
            throw new UserError("cannot connect to " + base + " (is ingot serve running?)");
        } catch (IOException e) {
            throw ClientTrust.explain(e, base);
        }
        JsonNode answer = answer(rs, base + "/api/builds");
        if (rs.statusCode() != 202) throw new UserError(base + ": HTTP " + rs.statusCode() + ": " + answer.path("error").asText(answer.toString()));
        String id = answer.path("id").asText();
        // it goes into the next URLs
        if (!id.matches("[A-Za-z0-9._-]{1,100}") || id.startsWith(".")) throw new UserError(base + "/api/builds: answered a build id ingot does not make: " + answer.path("id"));
        System.out.println((answer.path("queuedNow").asBoolean() ? "queued build " : "already queued: build ") + id + " of " + name);
        if (!follow) return 0;
        HttpResponse<InputStream> log = http.send(HttpRequest.newBuilder(URI.create(base + "/api/builds/" + id + "/log?follow=1")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = log.body()) {
            in.transferTo(System.out);
        }
        JsonNode status = answer(http.send(HttpRequest.newBuilder(URI.create(base + "/api/builds/" + id)).build(),
                HttpResponse.BodyHandlers.ofInputStream()), base + "/api/builds/" + id);
        if (!"succeeded".equals(status.path("state").asText())) throw new BuildFailed("build " + id + " " + status.path("state").asText() + ": " + status.path("message").asText());
        return 0;
    }

    /** The daemon's JSON answer, read no further than {@link LimitedRead#JSON_ANSWER}. */
    private static JsonNode answer(HttpResponse<InputStream> rs, String url) throws IOException {
        return Json.foreign(LimitedRead.read(rs.body(), LimitedRead.JSON_ANSWER, url, "an answer of the API is never that large"), url);
    }
}
