package dev.airlock.dialog;

import javax.swing.AbstractAction;
import javax.swing.JComponent;
import javax.swing.JDialog;
import javax.swing.KeyStroke;
import javax.swing.WindowConstants;
import java.awt.Frame;
import java.awt.event.ActionEvent;
import java.awt.event.KeyEvent;
import java.awt.event.WindowAdapter;
import java.awt.event.WindowEvent;
import java.util.function.Consumer;

/**
 * The trusted dialog's window on the host display: the host's own, so decorated by the host's window manager and
 * with no domain's {@code [name]} prefix or border; kept above other windows; centred. The window manager's close
 * denies. Escape denies once the guard time has passed.
 */
final class AskWindow {
    private AskWindow() {
    }

    /** Shows {@code question}; {@code answered} is told the answer once, on Swing's thread. */
    static JDialog show(Question question, Consumer<Answer> answered) {
        JDialog window = new JDialog((Frame) null, question.title(), false);
        AskPanel panel = new AskPanel(question, a -> {
            window.setVisible(false);
            answered.accept(a);
        });
        window.setDefaultCloseOperation(WindowConstants.DO_NOTHING_ON_CLOSE);
        window.setContentPane(panel.component());
        window.getRootPane().setDefaultButton(panel.defaultButton());
        window.getRootPane().getInputMap(JComponent.WHEN_IN_FOCUSED_WINDOW)
                .put(KeyStroke.getKeyStroke(KeyEvent.VK_ESCAPE, 0), "airlock-deny");
        window.getRootPane().getActionMap().put("airlock-deny", new AbstractAction() {
            @Override
            public void actionPerformed(ActionEvent e) {
                panel.escape();
            }
        });
        window.addWindowListener(new WindowAdapter() {
            @Override
            public void windowActivated(WindowEvent e) {
                panel.activated();
            }

            @Override
            public void windowDeactivated(WindowEvent e) {
                panel.deactivated();
            }

            @Override
            public void windowClosing(WindowEvent e) {
                panel.closed();
            }
        });
        window.setAlwaysOnTop(true);
        window.setResizable(false);
        window.pack();
        window.setMinimumSize(window.getSize());
        window.setLocationRelativeTo(null);
        window.setVisible(true);
        panel.defaultButton().requestFocusInWindow();
        return window;
    }
}
