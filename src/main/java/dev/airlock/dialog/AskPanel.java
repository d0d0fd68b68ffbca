package dev.airlock.dialog;

import dev.airlock.domain.Label;

import javax.swing.BorderFactory;
import javax.swing.Box;
import javax.swing.BoxLayout;
import javax.swing.DefaultListCellRenderer;
import javax.swing.Icon;
import javax.swing.JButton;
import javax.swing.JComponent;
import javax.swing.JLabel;
import javax.swing.JList;
import javax.swing.JPanel;
import javax.swing.JScrollPane;
import javax.swing.ListSelectionModel;
import javax.swing.SwingConstants;
import javax.swing.Timer;
import javax.swing.text.Position;
import java.awt.BorderLayout;
import java.awt.Color;
import java.awt.Component;
import java.awt.Dimension;
import java.awt.FlowLayout;
import java.awt.Font;
import java.awt.Graphics;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * The inside of the trusted dialog, without its window: the question in words, the offered targets, the countdown
 * and the two buttons. Nothing in it acts until it is armed, a guard time after the window last became active:
 * keys a domain made the user type, and a click meant for the window that was there before, land while it is not.
 * Deny is the default button; Allow needs a chosen target, and typing does not choose one.
 */
final class AskPanel {
    /** How long after the window becomes active its buttons and list start to take input. */
    static final Duration GUARD = Duration.ofMillis(800);
    /** The client property that keeps Swing from rendering a text that starts with {@code <html>} as HTML. */
    static final String HTML_DISABLE = "html.disable";

    private static final int CHIP = 14;
    private static final int VISIBLE_ROWS = 8;

    private final Question question;
    private final Consumer<Answer> answered;
    private final JPanel root = new JPanel(new BorderLayout(0, 12));
    private final JList<Question.Choice> targets;
    private final JButton allow = button("Allow");
    private final JButton deny = button("Deny");
    private final JLabel remaining = label("");
    private final Timer guard;
    private final Timer countdown;
    private long secondsLeft;
    private boolean armed;
    private boolean answeredOnce;

    /** @param answered told the user's answer, once, on Swing's thread */
    AskPanel(Question question, Consumer<Answer> answered) {
        this.question = question;
        this.answered = answered;
        this.secondsLeft = question.seconds();
        this.targets = targetList(question.choices());
        root.setBorder(BorderFactory.createEmptyBorder(16, 18, 14, 18));
        root.add(header(), BorderLayout.NORTH);
        root.add(choices(), BorderLayout.CENTER);
        root.add(footer(), BorderLayout.SOUTH);
        question.choices().stream().filter(c -> c.target().equals(question.preselected())).findFirst()
                .ifPresent(c -> targets.setSelectedValue(c, true));
        targets.addListSelectionListener(e -> allow.setEnabled(armed && targets.getSelectedValue() != null));
        allow.addActionListener(e -> {
            Question.Choice c = targets.getSelectedValue();
            if (armed && c != null) {
                answer(new Answer.Allow(c.target()));
            }
        });
        deny.addActionListener(e -> {
            if (armed) {
                answer(new Answer.Deny());
            }
        });
        guard = new Timer((int) GUARD.toMillis(), e -> arm(true));
        guard.setRepeats(false);
        countdown = new Timer(1000, e -> tick());
        showRemaining();
        arm(false);
    }

    /** The panel, to put in a window. */
    JComponent component() {
        return root;
    }

    /** The button that Enter presses: Deny. */
    JButton defaultButton() {
        return deny;
    }

    /** The window became active: input counts again only after the guard time. */
    void activated() {
        arm(false);
        guard.restart();
        if (!countdown.isRunning() && question.seconds() > 0) {
            countdown.start();
        }
    }

    /** The window lost the focus: nothing counts until it is active again for the guard time. */
    void deactivated() {
        guard.stop();
        arm(false);
    }

    /** Whether the buttons take input now. */
    boolean armed() {
        return armed;
    }

    /** Denies, when armed: what Escape does. */
    void escape() {
        if (armed) {
            answer(new Answer.Deny());
        }
    }

    /** Denies whatever the guard says: the window manager's close, which no domain can reach. */
    void closed() {
        answer(new Answer.Deny());
    }

    private void arm(boolean on) {
        armed = on;
        deny.setEnabled(on);
        targets.setEnabled(on);
        allow.setEnabled(on && targets.getSelectedValue() != null);
    }

    private void answer(Answer a) {
        if (answeredOnce) {
            return;
        }
        answeredOnce = true;
        guard.stop();
        countdown.stop();
        arm(false);
        answered.accept(a);
    }

    private void tick() {
        secondsLeft = Math.max(0, secondsLeft - 1);
        showRemaining();
        if (secondsLeft == 0) {
            // The broker denies at its own deadline and closes the window; this only stops counting.
            countdown.stop();
        }
    }

    private void showRemaining() {
        remaining.setText(question.seconds() == 0 ? "" : "Denied in " + secondsLeft + " s if you do not answer.");
    }

    private JComponent header() {
        JPanel header = new JPanel();
        header.setLayout(new BoxLayout(header, BoxLayout.Y_AXIS));
        JPanel line = new JPanel(new FlowLayout(FlowLayout.LEFT, 0, 0));
        JLabel source = label(question.source());
        source.setIcon(new Chip(question.label()));
        source.setIconTextGap(8);
        source.setForeground(textColour(question.label()));
        source.setFont(source.getFont().deriveFont(Font.BOLD, 16f));
        JLabel wants = label(" " + question.wants());
        wants.setFont(wants.getFont().deriveFont(Font.PLAIN, 16f));
        line.add(source);
        line.add(wants);
        line.setAlignmentX(Component.LEFT_ALIGNMENT);
        header.add(line);
        if (!question.warning().isEmpty()) {
            JLabel warning = label(question.warning());
            warning.setForeground(new Color(0xa4, 0x00, 0x00));
            warning.setAlignmentX(Component.LEFT_ALIGNMENT);
            header.add(Box.createVerticalStrut(8));
            header.add(warning);
        }
        return header;
    }

    private JComponent choices() {
        JPanel panel = new JPanel(new BorderLayout(0, 6));
        panel.add(label(question.choices().size() == 1 ? "Target:" : "Choose the target:"), BorderLayout.NORTH);
        JScrollPane scroll = new JScrollPane(targets);
        panel.add(scroll, BorderLayout.CENTER);
        return panel;
    }

    private JComponent footer() {
        JPanel footer = new JPanel(new BorderLayout(12, 0));
        remaining.setForeground(new Color(0x55, 0x57, 0x53));
        footer.add(remaining, BorderLayout.CENTER);
        JPanel buttons = new JPanel(new FlowLayout(FlowLayout.RIGHT, 8, 0));
        buttons.add(deny);
        buttons.add(allow);
        footer.add(buttons, BorderLayout.EAST);
        return footer;
    }

    private static JList<Question.Choice> targetList(List<Question.Choice> choices) {
        JList<Question.Choice> list = new JList<>(choices.toArray(Question.Choice[]::new)) {
            /** No type-ahead: keys a domain made the user type must not move the choice. */
            @Override
            public int getNextMatch(String prefix, int startIndex, Position.Bias bias) {
                return -1;
            }
        };
        list.setSelectionMode(ListSelectionModel.SINGLE_SELECTION);
        list.setVisibleRowCount(Math.min(VISIBLE_ROWS, choices.size()));
        list.setCellRenderer(new ChoiceRenderer());
        list.setFixedCellHeight(26);
        list.putClientProperty(HTML_DISABLE, Boolean.TRUE);
        return list;
    }

    /** A target: its colour's chip and its name in words. */
    private static final class ChoiceRenderer extends DefaultListCellRenderer {
        ChoiceRenderer() {
            putClientProperty(HTML_DISABLE, Boolean.TRUE);
        }

        @Override
        public Component getListCellRendererComponent(JList<?> list, Object value, int index, boolean selected,
                                                      boolean focused) {
            Question.Choice c = (Question.Choice) value;
            super.getListCellRendererComponent(list, c.words(), index, selected, focused);
            setIcon(new Chip(c.label()));
            setIconTextGap(8);
            setBorder(BorderFactory.createEmptyBorder(2, 8, 2, 8));
            setFont(list.getFont().deriveFont(Font.BOLD, 14f));
            if (!selected) {
                setForeground(list.isEnabled() ? textColour(c.label()) : Color.GRAY);
            }
            return this;
        }
    }

    /** A label whose text is never HTML, whatever it starts with. */
    static JLabel label(String text) {
        JLabel l = new JLabel();
        l.putClientProperty(HTML_DISABLE, Boolean.TRUE);
        l.setText(text);
        l.setHorizontalAlignment(SwingConstants.LEADING);
        l.setFont(l.getFont().deriveFont(Font.PLAIN, 14f));
        return l;
    }

    private static JButton button(String text) {
        JButton b = new JButton();
        b.putClientProperty(HTML_DISABLE, Boolean.TRUE);
        b.setText(text);
        b.setFont(b.getFont().deriveFont(Font.BOLD, 14f));
        b.setPreferredSize(new Dimension(96, 32));
        return b;
    }

    /**
     * The label's colour for text on the dialog's light background: the light labels (yellow, green, orange) in
     * the darker shade of the same palette, so that a name stays readable.
     */
    static Color textColour(Label label) {
        return switch (label) {
            case YELLOW -> new Color(0xc4a000);
            case GREEN -> new Color(0x4e9a06);
            case ORANGE -> new Color(0xce5c00);
            default -> Color.decode(label.colour());
        };
    }

    /** A square in the label's own colour, outlined, as the domain's windows are bordered. */
    private record Chip(Label label) implements Icon {
        @Override
        public void paintIcon(Component c, Graphics g, int x, int y) {
            g.setColor(Color.decode(label.colour()));
            g.fillRect(x, y, CHIP, CHIP);
            g.setColor(Color.DARK_GRAY);
            g.drawRect(x, y, CHIP - 1, CHIP - 1);
        }

        @Override
        public int getIconWidth() {
            return CHIP;
        }

        @Override
        public int getIconHeight() {
            return CHIP;
        }
    }

    /** For tests: the components that take input. */
    JButton allowButton() {
        return allow;
    }

    JList<Question.Choice> targetList() {
        return targets;
    }

    JLabel remainingLabel() {
        return remaining;
    }
}
