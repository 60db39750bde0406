// renewCertificatesBefore refused at check, naming the property, with zero API calls (no Mold settings at all,
// as in bad-input.test.ts): unparsable, below one day, above 365 days, or on a worker group.
import test from "ava";
import { runHook } from "../../provider";
import { CP, NG } from "./bad-input/common";

const ROWS: [what: string, inputs: Record<string, unknown>, message: RegExp][] = [
    ["unparsable", { ...CP, renewCertificatesBefore: "a month" }, /renewCertificatesBefore must be a duration such as "30d".*got "a month"/],
    ["a bare number", { ...CP, renewCertificatesBefore: "30" }, /must be a duration/],
    ["a negative duration", { ...CP, renewCertificatesBefore: "-30d" }, /must be a duration/],
    ["below one day", { ...CP, renewCertificatesBefore: "23h" }, /must be from 1 day to 365 days.*got "23h"/],
    ["zero", { ...CP, renewCertificatesBefore: "0d" }, /must be from 1 day to 365 days/],
    ["above 365 days", { ...CP, renewCertificatesBefore: "366d" }, /must be from 1 day to 365 days.*got "366d"/],
    ["on a worker group", { ...NG, renewCertificatesBefore: "30d" }, /applies to a control-plane group only/],
];

for (const [what, inputs, message] of ROWS) {
    test(`NodeGroup: renewCertificatesBefore ${what} is refused at check`, async (t) => {
        const result = await runHook("NodeGroup", "check", undefined, [{}, { __provider: "p", ...inputs }]);
        const failure = result.failures.find((f: { property: string }) => f.property === "renewCertificatesBefore");
        t.truthy(failure, JSON.stringify(result.failures));
        t.regex(failure!.reason, message);
        t.regex(failure!.reason, /^mold:NodeGroup: /);
    });
}

test("NodeGroup: valid renewal windows pass (and the default is off)", async (t) => {
    for (const window of [undefined, "1d", "30d", "2w", "36h", "1d12h", "365d"]) {
        const result = await runHook("NodeGroup", "check", undefined, [{}, { __provider: "p", ...CP, renewCertificatesBefore: window }]);
        t.deepEqual(result.failures, [], `${window}: ${JSON.stringify(result.failures)}`);
        t.is(result.inputs.renewCertificatesBefore, window);
    }
});
