package dev.airlock.qrexec;

import dev.airlock.qrexec.Message.AgentReady;
import dev.airlock.qrexec.Message.CallAccepted;
import dev.airlock.qrexec.Message.CallRefused;
import dev.airlock.qrexec.Message.CallRequest;
import dev.airlock.qrexec.Message.Connect;
import dev.airlock.qrexec.Message.Data;
import dev.airlock.qrexec.Message.ExitCode;
import dev.airlock.qrexec.Message.Hello;
import dev.airlock.qrexec.Message.ServiceRefused;
import dev.airlock.qrexec.Message.ServiceStart;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/** Generators of valid messages of every type, reaching every field's limits. */
final class MessageArbitraries {

    private MessageArbitraries() {
    }

    static Arbitrary<String> nameChars(int min, int max) {
        return Arbitraries.strings().withCharRange('a', 'z').withCharRange('A', 'Z').withCharRange('0', '9')
                .withChars("._-").ofMinLength(min).ofMaxLength(max);
    }

    static Arbitrary<String> domainNames() {
        return Combinators.combine(Arbitraries.chars().range('a', 'z').range('A', 'Z'), nameChars(0, 30))
                .as((first, rest) -> first + rest);
    }

    static Arbitrary<String> targets() {
        return Arbitraries.oneOf(domainNames(), domainNames().map(n -> "@dispvm:" + n),
                Arbitraries.of("@default", "@adminvm", "@dispvm", "dom0"));
    }

    static Arbitrary<ServiceCall> serviceCalls() {
        return Combinators.combine(nameChars(1, 255), nameChars(0, 255)).as(ServiceCall::new);
    }

    static Arbitrary<String> reasons() {
        return Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(255);
    }

    static Arbitrary<byte[]> chunks() {
        return Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.bytes().array(byte[].class).ofMaxSize(300)),
                // Drawn whole: jqwik would keep a shrinkable per byte of a generated 64 KiB array.
                Tuple.of(1, Arbitraries.integers().between(Wire.MAX_LENGTH - 10, Wire.MAX_LENGTH)
                        .flatMap(n -> Arbitraries.randomValue(r -> {
                            byte[] b = new byte[n];
                            r.nextBytes(b);
                            return b;
                        }))),
                Tuple.of(1, Arbitraries.just(new byte[0])));
    }

    static Arbitrary<Message> messages() {
        Arbitrary<Integer> ints = Arbitraries.integers();
        Arbitrary<Long> longs = Arbitraries.longs();
        return Arbitraries.oneOf(
                Combinators.combine(Arbitraries.of(DataStream.class), chunks()).as(Data::new),
                ints.map(ExitCode::new),
                ints.map(Hello::new),
                Combinators.combine(ints, targets(), serviceCalls()).as(CallRequest::new),
                Combinators.combine(ints, longs).as(CallAccepted::new),
                Combinators.combine(ints, Arbitraries.of(125, 126, 127), reasons()).as(CallRefused::new),
                Combinators.combine(longs, domainNames(), serviceCalls()).as(ServiceStart::new),
                Combinators.combine(longs, Arbitraries.of(125, 127), reasons()).as(ServiceRefused::new),
                longs.map(Connect::new),
                Arbitraries.just(new Message.CallChannel()),
                Arbitraries.just(new AgentReady()));
    }
}
