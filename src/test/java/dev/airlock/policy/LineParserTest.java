package dev.airlock.policy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class LineParserTest {

    private static LineParser.Line parse(String line) {
        return LineParser.parse(line, "t.policy", 7);
    }

    private static Rule rule(String line) {
        LineParser.Line parsed = parse(line);
        assertThat(parsed).isInstanceOf(LineParser.Line.Ok.class);
        return ((LineParser.Line.Ok) parsed).rule();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "\t", "# a comment", "   # indented comment", "#qubes.Filecopy * a b allow",
            "# comments may hold anything: ünïcödé \u0001 and \r"})
    void blankLinesAndCommentsHoldNoRule(String line) {
        assertThat(parse(line)).isInstanceOf(LineParser.Line.Blank.class);
    }

    @Test
    void ruleFieldsAreReadWithTheirLocation() {
        Rule r = rule("qubes.Filecopy\t+arg  work   @dispvm:default-dvm  allow target=@dispvm user=root");
        assertThat(r.service()).isEqualTo("qubes.Filecopy");
        assertThat(r.argument()).isEqualTo("+arg");
        assertThat(r.source()).isEqualTo(new Token.Name("work"));
        assertThat(r.target()).isEqualTo(new Token.DispVmOf("default-dvm"));
        assertThat(r.action()).isEqualTo(new Action.Allow(new Token.DispVm(), "root", null, null));
        assertThat(r.location()).isEqualTo("t.policy:7");
    }

    @Test
    void everyTokenIsRecognised() {
        assertThat(Token.parse("*")).isEqualTo(new Token.Wildcard());
        assertThat(Token.parse("@anyvm")).isEqualTo(new Token.AnyVm());
        assertThat(Token.parse("@adminvm")).isEqualTo(new Token.AdminVm());
        assertThat(Token.parse("@default")).isEqualTo(new Token.Default());
        assertThat(Token.parse("@dispvm")).isEqualTo(new Token.DispVm());
        assertThat(Token.parse("@dispvm:d")).isEqualTo(new Token.DispVmOf("d"));
        assertThat(Token.parse("@dispvm:@tag:t")).isEqualTo(new Token.DispVmTagged("t"));
        assertThat(Token.parse("@tag:t")).isEqualTo(new Token.Tag("t"));
        assertThat(Token.parse("@type:AppVM")).isEqualTo(new Token.Type("AppVM"));
        assertThat(Token.parse("dom0")).isEqualTo(new Token.Name("dom0"));
        assertThat(Token.parse("work")).isEqualTo(new Token.Name("work"));
    }

    @Test
    void actionParametersKeepWhatWasWrittenAndDefaultAsSpecified() {
        Action.Deny deny = (Action.Deny) rule("s * @anyvm @anyvm deny").action();
        assertThat(deny.notifyOrDefault()).isTrue();
        assertThat(((Action.Deny) rule("s * @anyvm @anyvm deny notify=no").action()).notifyOrDefault()).isFalse();
        Action.Allow allow = (Action.Allow) rule("s * @anyvm @anyvm allow").action();
        assertThat(allow.notifyOrDefault()).isFalse();
        assertThat(allow.autostartOrDefault()).isTrue();
        Action.Ask ask = (Action.Ask) rule(
                "s * @anyvm @anyvm ask default_target=work target=@adminvm notify=yes autostart=no user=u").action();
        assertThat(ask).isEqualTo(new Action.Ask(new Token.AdminVm(), new Token.Name("work"), "u", true, false));
        assertThat(ask.notifyOrDefault()).isTrue();
        assertThat(ask.autostartOrDefault()).isFalse();
    }

    @Test
    void plusAloneIsTheEmptyArgument() {
        Rule r = rule("s + @anyvm @anyvm allow");
        assertThat(r.matchesArgument("")).isTrue();
        assertThat(r.matchesArgument("x")).isFalse();
        Rule any = rule("s * @anyvm @anyvm allow");
        assertThat(any.matchesArgument("")).isTrue();
        assertThat(any.matchesArgument("x")).isTrue();
    }

    @Test
    void defaultTargetWithAllowIsValidWhenTheRuleNamesATarget() {
        assertThat(rule("s * @anyvm @default allow target=work").target()).isEqualTo(new Token.Default());
        assertThat(rule("s * @anyvm @default ask").action()).isInstanceOf(Action.Ask.class);
    }

    @Test
    void longestValidNamesAreAccepted() {
        String service = "s".repeat(255);
        String domain = "d".repeat(31);
        Rule r = rule(service + " +" + "a".repeat(255) + " " + domain + " @anyvm allow");
        assertThat(r.service()).hasSize(255);
        assertThat(r.source()).isEqualTo(new Token.Name(domain));
    }

    @Test
    void directivesAreRecognised() {
        assertThat(parse("!include sub/file.policy"))
                .isEqualTo(new LineParser.Line.Include("sub/file.policy", false, 10));
        assertThat(parse("  !include-dir sub")).isEqualTo(new LineParser.Line.Include("sub", true, 16));
    }

    static Stream<Arguments> invalidLines() {
        return Stream.of(
                arguments("qubes.Filecopy * @anyvm @anyvm", 25, "expected SERVICE ARGUMENT SOURCE TARGET ACTION"),
                arguments("qubes.Filecopy", 1, "found 1 field"),
                arguments("qubes.Filecopy * @anyvm @anyvm permit", 32, "ACTION: expected allow, deny or ask"),
                arguments("qubes.Filecopy+x * @anyvm @anyvm allow", 15, "SERVICE: character '+' is not allowed"),
                arguments("qubes/Filecopy * @anyvm @anyvm allow", 6, "SERVICE: character '/'"),
                arguments("s".repeat(256) + " * @anyvm @anyvm allow", 1, "SERVICE: longer than 255 bytes"),
                arguments("* +arg @anyvm @anyvm allow", 3, "ARGUMENT must be * when SERVICE is *"),
                arguments("svc arg @anyvm @anyvm allow", 5, "ARGUMENT: expected * or +ARGUMENT"),
                arguments("svc +a/b @anyvm @anyvm allow", 7, "ARGUMENT: character '/'"),
                arguments("svc +" + "a".repeat(256) + " @anyvm @anyvm allow", 5, "ARGUMENT: longer than 255"),
                arguments("svc * @dispvm @anyvm allow", 7, "SOURCE: @dispvm can only be used as a target"),
                arguments("svc * @default @anyvm allow", 7, "SOURCE: @default can only be used as a target"),
                arguments("svc * @dispvm:dvm @anyvm allow", 7, "SOURCE: @dispvm:dvm can only be used as a target"),
                arguments("svc * @anyvm @foo allow", 14, "TARGET: unknown token \"@foo\""),
                arguments("svc * $anyvm @anyvm allow", 7, "old Qubes 4.0 syntax; write @anyvm"),
                arguments("svc * @tag: @anyvm allow", 7, "SOURCE: empty name in \"@tag:\""),
                arguments("svc * @anyvm @type: allow", 14, "TARGET: empty name in \"@type:\""),
                arguments("svc * @anyvm @tag:a/b allow", 14, "TARGET: invalid name in \"@tag:a/b\""),
                arguments("svc * 1work @anyvm allow", 7, "SOURCE: invalid domain name \"1work\""),
                arguments("svc * -work @anyvm allow", 7, "SOURCE: invalid domain name"),
                arguments("svc * @anyvm " + "d".repeat(32) + " allow", 14, "TARGET: invalid domain name"),
                arguments("svc * @anyvm @dispvm:1x allow", 14, "invalid disposable template name"),
                arguments("svc * @anyvm @dispvm:dom0 allow", 14, "the host is not a disposable template"),
                arguments("svc * @anyvm @dispvm:@tag: allow", 14, "empty name"),
                arguments("svc * @anyvm @default allow", 23, "allow for target @default needs target="),
                arguments("svc * @anyvm @anyvm allow target=@anyvm", 34,
                        "target: expected a domain name, @adminvm, @dispvm or @dispvm:NAME"),
                arguments("svc * @anyvm @anyvm ask default_target=@tag:x", 40, "default_target: expected a domain"),
                arguments("svc * @anyvm @anyvm allow target=1bad", 34, "target: invalid domain name"),
                arguments("svc * @anyvm @anyvm allow notify=maybe", 34, "notify: expected yes or no"),
                arguments("svc * @anyvm @anyvm allow autostart=", 37, "autostart: expected yes or no"),
                arguments("svc * @anyvm @anyvm allow notify=yes notify=no", 38, "parameter \"notify\" is repeated"),
                arguments("svc * @anyvm @anyvm allow target=a target=b", 36, "parameter \"target\" is repeated"),
                arguments("svc * @anyvm @anyvm deny target=work", 26, "unknown parameter \"target\""),
                arguments("svc * @anyvm @anyvm allow default_target=w", 27, "unknown parameter \"default_target\""),
                arguments("svc * @anyvm @anyvm allow frobnicate=1", 27, "unknown parameter \"frobnicate\""),
                arguments("svc * @anyvm @anyvm allow notify", 27, "expected PARAM=VALUE"),
                arguments("svc * @anyvm @anyvm allow =yes", 27, "expected PARAM=VALUE"),
                arguments("svc * @anyvm @anyvm allow user=", 32, "user: invalid user name"),
                arguments("svc * @anyvm @anyvm allow user=a/b", 32, "user: invalid user name"),
                arguments("!include", 1, "!include takes exactly one path, found 0"),
                arguments("!include-dir a b", 1, "!include-dir takes exactly one path, found 2"),
                arguments("!include-service svc file", 1, "!include-service takes SERVICE ARGUMENT PATH, found 2"),
                arguments("!include-service svc x file", 22, "ARGUMENT: expected * or +ARGUMENT"),
                arguments("!include-service * +x file", 20, "ARGUMENT must be * when SERVICE is *"),
                arguments("!include-service a+b * file", 19, "SERVICE: character '+' is not allowed"),
                arguments("!compat-4.0 /etc/qubes-rpc/policy", 13, "!compat-4.0 takes no parameters"),
                arguments("!compat-4.1", 1, "unknown directive \"!compat-4.1\""),
                arguments("svc * @anyvm @anyvm allow\r", 26, "carriage return"),
                arguments("svc * @anyvm w\u00f6rk allow", 15, "character U+00F6 is not allowed"),
                arguments("svc * @anyvm @anyvm\u0000 allow", 20, "character U+0000"),
                arguments("svc * @anyvm @anyvm allow # inline comment", 27, "expected PARAM=VALUE"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("invalidLines")
    void invalidLineIsRejectedWithColumnAndReason(String line, int column, String reason) {
        LineParser.Line parsed = parse(line);
        assertThat(parsed).isInstanceOf(LineParser.Line.Bad.class);
        LineParser.Line.Bad bad = (LineParser.Line.Bad) parsed;
        assertThat(bad.message()).contains(reason);
        assertThat(bad.column()).isEqualTo(column);
    }

    @Test
    void thereAreAtLeastTwentyFiveInvalidLineCases() {
        assertThat(invalidLines().count()).isGreaterThanOrEqualTo(25);
    }
}
