package dev.airlock.broker;

import dev.airlock.dialog.Answer;
import dev.airlock.dialog.DialogLauncher;
import dev.airlock.dialog.Question;
import dev.airlock.domain.Domain;
import dev.airlock.domain.Domains;
import dev.airlock.domain.Label;
import dev.airlock.domain.Registry;
import dev.airlock.log.Log;
import dev.airlock.policy.Decision;
import dev.airlock.qrexec.ServiceCall;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * The broker's trusted dialog for calls the policy asks about: the question in the words and label colours the
 * registry gives, shown by a {@link DialogLauncher} on the recorded desktop when there is one.
 */
final class AskDialogs implements AskQueue.Dialogs {
    private static final System.Logger LOG = Log.of("airlock");
    private static final String DISPVM = CallDecider.DISPVM_PREFIX;
    /** A name the registry does not know is shown in the least trusted colour. */
    private static final Label UNKNOWN = Label.RED;

    private final DialogLauncher launcher;
    private final Registry registry;

    AskDialogs(DialogLauncher launcher, Registry registry) {
        this.launcher = launcher;
        this.registry = registry;
    }

    @Override
    public Runnable show(String source, ServiceCall call, Decision.Ask ask, Duration timeout,
                         Consumer<Answer> answered) {
        Question q;
        try {
            Domains domains = registry.read(d -> d);
            List<Question.Choice> choices = ask.targetsForAsk().stream()
                    .map(t -> new Question.Choice(t, labelOf(domains, t))).toList();
            q = new Question(source, labelOf(domains, source), call.service(), call.argument(),
                    ask.requestedTarget(), choices, ask.defaultTarget(), timeout.toSeconds());
        } catch (IOException | IllegalArgumentException e) {
            LOG.log(Level.WARNING, "no trusted dialog for a call from " + source + ": " + e.getMessage());
            return () -> { };
        }
        return launcher.show(q, answered).<Runnable>map(s -> s::close).orElse(() -> { });
    }

    /** The label of a domain, or of a disposable's template ({@code @dispvm:TEMPLATE}). */
    private static Label labelOf(Domains domains, String target) {
        String name = target.startsWith(DISPVM) ? target.substring(DISPVM.length()) : target;
        return domains.get(name).map(Domain::label).orElse(UNKNOWN);
    }
}
