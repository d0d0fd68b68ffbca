package dev.airlock.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.broker.AdminClient;
import dev.airlock.broker.AirlockHome;
import dev.airlock.display.Desktop;
import dev.airlock.domain.Domain;
import dev.airlock.domain.DomainClass;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code airlock ls}: the domains as a table, as {@code qvm-ls} shows them. */
@Command(name = "ls", mixinStandardHelpOptions = true,
        description = {"List the domains: name, class, state, label and template, the host (dom0) first; when "
                + "airlock up remembered a desktop, also whether each shows windows there (GUI yes or no).",
                "States: Running, Halted, or Pooled (a disposable started ahead, waiting for a call to take it)."})
final class LsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    HomeOption homeOption;

    /**
     * The state of each domain the broker runs: Running, or Pooled for a disposable ready in the pool that no call
     * has taken yet. None when no broker runs (offline, every domain is halted).
     */
    private Map<String, String> states() throws IOException {
        AdminClient broker = new AdminClient(new AirlockHome(homeOption.resolved()));
        if (!broker.isRunning()) {
            return Map.of();
        }
        Map<String, String> states = new HashMap<>();
        JsonNode answer = broker.call(AdminClient.request("running"));
        answer.get("domains").forEach(n -> states.put(n.asText(), "Running"));
        answer.path("pooled").forEach(n -> states.computeIfPresent(n.asText(), (k, v) -> "Pooled"));
        return states;
    }

    /** Whether {@code d} shows windows: its gui setting, a disposable's template's, true by default. */
    private static boolean gui(Domain d, List<Domain> all) {
        Boolean setting = d.gui();
        if (setting == null && d.domainClass() == DomainClass.DISP_VM) {
            setting = all.stream().filter(t -> t.name().equals(d.template())).findFirst().map(Domain::gui)
                    .orElse(null);
        }
        return setting == null || setting;
    }

    @Override
    public Integer call() throws IOException {
        List<Domain> domains = homeOption.registry().read(d -> d.all());
        Map<String, String> states = states();
        // Without a desktop no domain shows windows, and the table stays as it was before they could.
        boolean desktop = Desktop.load(new AirlockHome(homeOption.resolved()).run()).isPresent();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"NAME", "CLASS", "STATE", "LABEL", "TEMPLATE", "GUI"});
        rows.add(new String[] {"dom0", "AdminVM", "Running", "black", "-", "-"});
        for (Domain d : domains) {
            rows.add(new String[] {d.name(), d.domainClass().typeName(),
                    states.getOrDefault(d.name(), "Halted"), d.label().labelName(),
                    d.template() == null ? "-" : d.template(), gui(d, domains) ? "yes" : "no"});
        }
        int[] widths = new int[desktop ? 5 : 4];
        for (String[] r : rows) {
            for (int i = 0; i < widths.length; i++) {
                widths[i] = Math.max(widths[i], r[i].length());
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        for (String[] r : rows) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < widths.length; i++) {
                b.append(r[i]).append(" ".repeat(widths[i] - r[i].length() + 2));
            }
            out.println(b.append(r[widths.length]));
        }
        out.flush();
        return 0;
    }
}
