package io.ingot.pipeline.stage;

import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.BuildVm;
import io.ingot.pipeline.VmRole;
import io.ingot.pipeline.Stage;
import io.ingot.qemu.Keyboard;
import io.ingot.recipe.BootAction;
import io.ingot.recipe.BootCommand;
import io.ingot.recipe.Recipe;
import io.ingot.util.Durations;

import java.util.ArrayList;
import java.util.List;

/** Types the recipe's boot command into the installer through QMP {@code send-key}. */
public final class BootCommandStage implements Stage {
    @Override
    public String name() { return "boot-command"; }

    @Override
    public void run(BuildContext build) throws Exception {
        Recipe.Boot boot = build.settings().boot();
        if (boot.command().isEmpty()) {
            build.log().info("no boot command");
            return;
        }
        List<BootAction> actions = new ArrayList<>();
        for (int i = 0; i < boot.command().size(); i++) {
            String line = boot.command().get(i);
            build.log().info("boot command: " + line);
            actions.addAll(BootCommand.parse(line));
        }
        var wait = Durations.parse(boot.initialWait());
        if (!wait.isZero()) {
            build.log().info("waiting " + Durations.format(wait) + " before typing");
            Thread.sleep(wait.toMillis());
        }
        BuildVm installer = build.vm(VmRole.INSTALL);
        Keyboard keyboard = new Keyboard(installer.vm().qmp(), Durations.parse(boot.keyInterval()), installer.serialLog(),
                Durations.parse(boot.timeout()), line -> build.log().output("keys", line));
        type(keyboard, actions);
    }

    /** Each {@code <waitFor>} searches the serial log from where the previous match ended. */
    static void type(Keyboard keyboard, List<BootAction> actions) {
        long offset = 0;
        for (BootAction action : actions) {
            if (action instanceof BootAction.Type t) {
                keyboard.typeText(t.text());
            } else if (action instanceof BootAction.Key k) {
                keyboard.pressKey(k.name());
            } else if (action instanceof BootAction.Wait w) {
                keyboard.pause(w.duration());
            } else if (action instanceof BootAction.WaitFor wf) {
                offset = keyboard.waitFor(wf.regex(), offset);
            }
        }
    }
}
