package dev.airlock.dialog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.domain.Label;
import dev.airlock.testing.Await;
import java.awt.Component;
import java.awt.Container;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import javax.swing.JComponent;
import javax.swing.JLabel;
import javax.swing.JList;
import javax.swing.SwingUtilities;
import javax.swing.plaf.basic.BasicHTML;
import javax.swing.text.Position;
import org.junit.jupiter.api.Test;

/** The dialog's inside, without a window (the tests run headless); the window itself in DialogIT. */
class AskPanelTest {
    private static final String HTML = "<html><img src='http://attacker.example/x.png'>";
    private static final List<Question.Choice> OFFERED = List.of(new Question.Choice("personal", Label.BLUE),
            new Question.Choice("vault", Label.BLACK));

    private final List<Answer> answers = new CopyOnWriteArrayList<>();

    private AskPanel panel(Question q) throws Exception {
        AtomicReference<AskPanel> p = new AtomicReference<>();
        SwingUtilities.invokeAndWait(() -> p.set(new AskPanel(q, answers::add)));
        return p.get();
    }

    private static Question question(String service, String preselected) {
        return new Question("work", Label.RED, service, "", "@default", OFFERED, preselected, 60);
    }

    private static void onSwing(Runnable r) throws Exception {
        SwingUtilities.invokeAndWait(r);
    }

    @Test
    void htmlInADomainsTextIsShownAsTextNeverRendered() throws Exception {
        // The source's label starts with the text: the case that Swing would render.
        Question q = new Question(HTML, Label.RED, HTML, HTML, "@default",
                List.of(new Question.Choice(HTML, Label.BLUE)), null, 60);
        AskPanel p = panel(q);
        List<JComponent> shown = new ArrayList<>();
        onSwing(() -> {
            collect(p.component(), shown);
            JList<Question.Choice> list = p.targetList();
            shown.add((JComponent) list.getCellRenderer().getListCellRendererComponent(list, q.choices().getFirst(),
                    0, false, false));
        });
        List<JLabel> labels = shown.stream().filter(JLabel.class::isInstance).map(JLabel.class::cast).toList();
        assertThat(labels).anyMatch(l -> l.getText().startsWith("<html>"));
        assertThat(labels).allMatch(l -> l.getClientProperty(BasicHTML.propertyKey) == null);
        // The check can fail: a plain JLabel given the same text renders it as HTML.
        AtomicReference<Object> plain = new AtomicReference<>();
        onSwing(() -> plain.set(new JLabel(HTML).getClientProperty(BasicHTML.propertyKey)));
        assertThat(plain.get()).isNotNull();
    }

    @Test
    void clickWithinTheGuardTimeDoesNotConfirm() throws Exception {
        AskPanel p = panel(question("qubes.Filecopy", "personal"));
        onSwing(() -> {
            p.activated();
            p.allowButton().doClick();
            p.defaultButton().doClick();
            p.escape();
        });
        assertThat(answers).isEmpty();
        Await.until("the guard time passed", () -> onSwingGet(p::armed));
        onSwing(() -> p.allowButton().doClick());
        assertThat(answers).containsExactly(new Answer.Allow("personal"));
    }

    @Test
    void losingTheFocusArmsTheGuardAgain() throws Exception {
        AskPanel p = panel(question("qubes.Filecopy", "personal"));
        onSwing(p::activated);
        Await.until("the guard time passed", () -> onSwingGet(p::armed));
        onSwing(() -> {
            p.deactivated();
            p.activated();
            p.allowButton().doClick();
        });
        assertThat(answers).isEmpty();
    }

    @Test
    void denyIsTheDefaultAndAllowNeedsAChosenTarget() throws Exception {
        AskPanel p = panel(question("qubes.Filecopy", null));
        onSwing(p::activated);
        Await.until("the guard time passed", () -> onSwingGet(p::armed));
        onSwing(() -> {
            assertThat(p.defaultButton().getText()).isEqualTo("Deny");
            assertThat(p.allowButton().isEnabled()).as("nothing chosen").isFalse();
            p.allowButton().doClick();
        });
        assertThat(answers).isEmpty();
        onSwing(() -> {
            p.targetList().setSelectedIndex(1);
            p.allowButton().doClick();
            p.defaultButton().doClick();
        });
        assertThat(answers).as("one answer only").containsExactly(new Answer.Allow("vault"));
    }

    @Test
    void keysTypedIntoTheListDoNotChangeTheChosenTarget() throws Exception {
        AskPanel p = panel(question("qubes.Filecopy", "personal"));
        onSwing(() -> {
            JList<Question.Choice> list = p.targetList();
            assertThat(list.getSelectedValue().target()).isEqualTo("personal");
            assertThat(list.getNextMatch("v", 0, Position.Bias.Forward)).isEqualTo(-1);
        });
    }

    @Test
    void windowManagersCloseDeniesEvenWithinTheGuard() throws Exception {
        AskPanel p = panel(question("qubes.Filecopy", "personal"));
        onSwing(() -> {
            p.activated();
            p.closed();
        });
        assertThat(answers).containsExactly(new Answer.Deny());
    }

    @Test
    void countdownShowsTheTimeLeftAndNothingWithoutATimeout() throws Exception {
        AskPanel p = panel(question("qubes.Filecopy", "personal"));
        onSwing(() -> assertThat(p.remainingLabel().getText()).isEqualTo("Denied in 60 s if you do not answer."));
        AskPanel none = panel(new Question("work", Label.RED, "qubes.Filecopy", "", "@default", OFFERED, null, 0));
        onSwing(() -> assertThat(none.remainingLabel().getText()).isEmpty());
    }

    private static boolean onSwingGet(java.util.function.BooleanSupplier s) {
        boolean[] v = new boolean[1];
        try {
            SwingUtilities.invokeAndWait(() -> v[0] = s.getAsBoolean());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return v[0];
    }

    private static void collect(Component c, List<JComponent> into) {
        if (c instanceof JLabel l) {
            into.add(l);
        }
        if (c instanceof Container k) {
            for (Component child : k.getComponents()) {
                collect(child, into);
            }
        }
    }
}
