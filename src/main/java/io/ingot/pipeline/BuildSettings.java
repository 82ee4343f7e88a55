package io.ingot.pipeline;

import io.ingot.recipe.LoadedRecipe;
import io.ingot.recipe.Recipe;

import java.nio.file.Path;
import java.util.List;

/**
 * What the stages of one build are told to do: the recipe's sections, taken from the recipe once when the build
 * starts and again when its strings are interpolated. Stages are made once per engine and serve many builds, so
 * their settings come with the build ({@link BuildContext#settings()}), not as constructor values.
 *
 * @param name        the template's name
 * @param dir         the recipe's folder; relative paths in the recipe resolve against it
 * @param contentHash sha256 (hex) of the recipe file's bytes
 * @param from        the published template the build starts from, or null
 * @param installs    whether the build runs an installer from media
 */
public record BuildSettings(String name, Path dir, String contentHash, String from, boolean installs,
                            Recipe.Media media, Recipe.Machine machine, Recipe.Boot boot, Recipe.Http http,
                            Recipe.Communicator communicator, List<Recipe.Provisioner> provisioners, Recipe.Seal seal,
                            Recipe.Shutdown shutdown, Recipe.Template template, List<Recipe.VerifyCheck> verify,
                            Recipe.Publish publish, List<String> onRestore) {

    public BuildSettings {
        provisioners = List.copyOf(provisioners);
        verify = List.copyOf(verify);
        onRestore = List.copyOf(onRestore);
    }

    public static BuildSettings of(LoadedRecipe loaded) {
        Recipe r = loaded.recipe();
        return new BuildSettings(r.name(), loaded.dir(), loaded.contentHash(), r.from(), r.installs(), r.media(),
                r.machine(), r.boot(), r.http(), r.communicator(), r.provisioners(), r.seal(), r.shutdown(), r.template(),
                r.verify(), r.publish(), r.onRestore());
    }

    /** A path written in the recipe, relative to the recipe's folder (absolute paths stay as they are). */
    public Path resolve(String relativePath) {
        return dir.resolve(relativePath).normalize();
    }
}
