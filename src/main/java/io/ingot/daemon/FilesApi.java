package io.ingot.daemon;

import io.ingot.catalog.TemplateVersion;
import io.ingot.distribution.VersionFiles;
import io.ingot.server.http.FileSlice;
import io.ingot.server.http.HttpError;
import io.ingot.server.http.HttpFront;
import io.ingot.images.ImageStore;
import io.ingot.qemu.QemuImg;
import io.ingot.storage.TemplateFiles;
import io.ingot.template.Manifest;
import io.ingot.template.TemplateRef;
import io.ingot.util.NotFound;
import org.apache.camel.Header;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A template version's files for {@code ingot pull} (docs/api.md "Template files"): the list with sizes and
 * sha256, and each listed file, whole or by range. Only files the version lists are served, and only as
 * regular files inside the version folder: a symbolic link there is never followed.
 */
public final class FilesApi {
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");

    private final ImageStore store;
    private final TemplatesApi templates;
    private final QemuImg qemuImg = new QemuImg();

    public FilesApi(ImageStore store, TemplatesApi templates) {
        this.store = store;
        this.templates = templates;
    }

    /** Request header {@code X-Ingot-Extents: 1}: also each large file's data extents (a pull of this ingot fetches only those). */
    public List<VersionFiles.Entry> list(@Header("name") String name, @Header("version") String version,
                                         @Header("X-Ingot-Extents") String extents) throws IOException {
        TemplateFiles tf = files(templates.find(name, version));
        return VersionFiles.of(tf.dir(), Manifest.read(tf.manifest()), "1".equals(extents) ? qemuImg : null);
    }

    /**
     * One listed file, {@code FILE} or {@code DIR/FILE} (a RAM template file such as {@code ram/memory});
     * {@code range} is the request's Range header.
     */
    public FileSlice file(@Header("name") String name, @Header("version") String version, @Header("dir") String dir,
                          @Header("file") String file, @Header("Range") String range,
                          @Header(HttpFront.HEAD_HEADER) String head) throws IOException {
        TemplateVersion v = templates.find(name, version);
        String wanted = TemplateRef.checkVersionFile(dir == null ? file : dir + "/" + file);
        TemplateFiles tf = files(v);
        VersionFiles.Entry entry = VersionFiles.of(tf.dir(), Manifest.read(tf.manifest())).stream()
                .filter(e -> e.file().equals(wanted)).findFirst()
                .orElseThrow(() -> new NotFound(v.ref() + " has no file '" + wanted + "'"));
        Path f = regularFileInside(tf.dir(), entry.file(), v);
        long size = Files.size(f);
        long start = 0;
        long end = size - 1;
        boolean partial = false;
        if (range != null) {
            long[] r = range(range, size);
            start = r[0];
            end = r[1];
            partial = true;
        }
        return new FileSlice(f, start, end, size, entry.sha256(), partial, head != null);
    }

    /** START-END of {@code bytes=START-[END]} or {@code bytes=-SUFFIX}; 416 for anything that cannot be served. */
    static long[] range(String header, long size) {
        Matcher m = RANGE.matcher(header.strip());
        if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
            throw HttpError.rangeNotSatisfiable("unsupported Range '" + shorten(header) + "' (use bytes=START-[END] or bytes=-SUFFIX)", size);
        }
        long first;
        long last;
        try {
            if (m.group(1).isEmpty()) {
                long suffix = Long.parseLong(m.group(2));
                if (suffix == 0) throw HttpError.rangeNotSatisfiable("empty suffix range " + shorten(header), size);
                first = Math.max(0, size - suffix);
                last = size - 1;
            } else {
                first = Long.parseLong(m.group(1));
                last = m.group(2).isEmpty() ? size - 1 : Math.min(size - 1, Long.parseLong(m.group(2)));
            }
        } catch (NumberFormatException e) { // more digits than a long holds: past the end of any file
            throw HttpError.rangeNotSatisfiable("range " + shorten(header) + " outside 0-" + (size - 1), size);
        }
        if (first >= size || first > last) throw HttpError.rangeNotSatisfiable("range " + shorten(header) + " outside 0-" + (size - 1), size);
        return new long[] {first, last};
    }

    private TemplateFiles files(TemplateVersion v) {
        return store.storages().get(v.primaryStorage()).locate(v.name(), v.version())
                .orElseThrow(() -> new NotFound(v.ref() + " has no files on storage " + v.primaryStorage()));
    }

    /** {@code dir/relative}, refusing a symbolic link on the way or at the end (a version folder holds regular files only). */
    private static Path regularFileInside(Path dir, String relative, TemplateVersion v) {
        Path p = dir;
        for (Path part : Path.of(relative)) {
            p = p.resolve(part);
            if (Files.isSymbolicLink(p)) throw new NotFound(v.ref() + ": " + relative + " is a symbolic link; not served");
        }
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) throw new NotFound(v.ref() + " has no file '" + relative + "' on disk");
        return p;
    }

    private static String shorten(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
