package dev.airlock.domain;

import dev.airlock.policy.DomainFacts;
import dev.airlock.policy.DomainView;
import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The model's rules: classes, references between domains, immutability, and the view the policy gets. */
class DomainsTest {

    static final Domain FEDORA = Domain.of("fedora", DomainClass.TEMPLATE_VM, Label.BLACK);
    static final Domain DVM = Domain.of("dvm", DomainClass.APP_VM, Label.RED).withTemplate("fedora")
            .withTemplateForDispvms(true).withDefaultDispvm("dvm");
    static final Domain WORK = Domain.of("work", DomainClass.APP_VM, Label.BLUE).withTemplate("fedora")
            .withDefaultDispvm("dvm").withTags(Set.of("projects", "b"));
    static final Domain DISP = Domain.disposable("disp42", Label.RED, "dvm");

    static Domains sample() {
        return Domains.empty().add(FEDORA).add(DVM).add(WORK).add(DISP);
    }

    @Test
    void changesReturnNewValuesAndLeaveTheOldOnesAlone() {
        Domains before = sample();
        Domains after = before.replace(WORK.withLabel(Label.GREEN));
        assertThat(before.require("work").label()).isEqualTo(Label.BLUE);
        assertThat(after.require("work").label()).isEqualTo(Label.GREEN);
        assertThat(after.all()).extracting(Domain::name).containsExactly("disp42", "dvm", "fedora", "work");
        assertThat(WORK.tags()).containsExactly("b", "projects");
        assertThatThrownBy(() -> WORK.tags().add("x")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void classRulesOnOneDomain() {
        assertThatThrownBy(() -> FEDORA.withTemplate("other")).hasMessageContaining("a TemplateVM has no template");
        assertThatThrownBy(() -> FEDORA.withTemplateForDispvms(true)).hasMessageContaining("cannot be a disposable");
        assertThatThrownBy(() -> Domain.of("d1", DomainClass.DISP_VM, Label.RED))
                .hasMessageContaining("needs a template");
        assertThatThrownBy(() -> WORK.withTemplate("work")).hasMessageContaining("its own template");
        assertThatThrownBy(() -> WORK.withTags(Set.of("bad.tag"))).hasMessageContaining("invalid tag \"bad.tag\"");
        Set<String> many = Set.copyOf(IntStream.range(0, Domain.MAX_TAGS + 1).mapToObj(i -> "t" + i).toList());
        assertThatThrownBy(() -> WORK.withTags(many)).hasMessageContaining("more than 64 tags");
    }

    @Test
    void referencesMustNameDomainsOfTheRightKind() {
        Domains d = sample();
        assertThatThrownBy(() -> d.add(Domain.of("x", DomainClass.APP_VM, Label.RED).withTemplate("nope")))
                .hasMessage("domain x: its template nope does not exist");
        assertThatThrownBy(() -> d.add(Domain.of("x", DomainClass.APP_VM, Label.RED).withTemplate("work")))
                .hasMessage("domain x: its template work is not a TemplateVM");
        assertThatThrownBy(() -> d.add(Domain.disposable("x", Label.RED, "work")))
                .hasMessageContaining("is not a disposable template");
        assertThatThrownBy(() -> d.add(Domain.of("x", DomainClass.APP_VM, Label.RED).withDefaultDispvm("fedora")))
                .hasMessageContaining("default_dispvm fedora is not a disposable template");
        assertThatThrownBy(() -> d.replace(DVM.withTemplateForDispvms(false)))
                .hasMessageContaining("is not a disposable template");
        assertThatThrownBy(() -> d.add(WORK)).hasMessage("domain work already exists");
        assertThatThrownBy(() -> d.replace(Domain.of("work", DomainClass.TEMPLATE_VM, Label.RED)))
                .hasMessageContaining("class of a domain cannot change");
        assertThatThrownBy(() -> Domains.of(java.util.List.of(FEDORA, FEDORA))).hasMessageContaining("listed twice");
    }

    @Test
    void aReferencedDomainCannotBeRemovedButASelfReferenceDoesNotCount() {
        Domains d = sample();
        assertThatThrownBy(() -> d.remove("fedora"))
                .hasMessage("cannot remove fedora: it is the template or default_dispvm of dvm, work");
        assertThatThrownBy(() -> d.remove("dvm")).hasMessageContaining("of disp42, work");
        assertThat(d.remove("disp42").remove("work").remove("dvm").remove("fedora")).isEqualTo(Domains.empty());
        assertThatThrownBy(() -> d.remove("ghost")).hasMessage("no such domain: ghost");
    }

    @Test
    void theViewAddsTheHostAndGivesDisposablesTheirTemplate() {
        DomainView view = sample().asView("work"::equals);
        assertThat(view.all()).extracting(DomainFacts::name).containsExactlyInAnyOrder(
                "dom0", "disp42", "dvm", "fedora", "work");
        assertThat(view.find("dom0").orElseThrow().type()).isEqualTo("AdminVM");
        DomainFacts work = view.find("work").orElseThrow();
        assertThat(work.running()).isTrue();
        assertThat(work.type()).isEqualTo("AppVM");
        assertThat(work.template()).as("an AppVM's TemplateVM is not a disposable template").isNull();
        assertThat(work.tags()).containsExactlyInAnyOrder("b", "projects");
        assertThat(work.defaultDispvm()).isEqualTo("dvm");
        DomainFacts disp = view.find("disp42").orElseThrow();
        assertThat(disp.type()).isEqualTo("DispVM");
        assertThat(disp.template()).isEqualTo("dvm");
        assertThat(disp.running()).isFalse();
        assertThat(view.find("dvm").orElseThrow().dispvmTemplate()).isTrue();
        assertThat(view.all()).noneMatch(DomainFacts::internal);
        assertThat(sample().asView(n -> true, "disp42"::equals).all()).filteredOn(DomainFacts::internal)
                .extracting(DomainFacts::name).containsExactly("disp42");
    }
}
