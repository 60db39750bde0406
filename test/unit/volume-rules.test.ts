// The pure rules of a Volume's inputs: snapshot schedules per interval, shrinking, and the disk offering's size
// and IOPS rules (what checkInMold reports once the offering is known).
import test from "ava";
import { offeringProblems, scheduleProblem, shrinkProblem } from "../../provider/resources/volume-rules";

test("schedule: each interval's format parses, and only it", (t) => {
    const ok: [Parameters<typeof scheduleProblem>[0], string][] = [
        ["hourly", "0"],
        ["hourly", "59"],
        ["daily", "30:02"],
        ["daily", "0:23"],
        ["weekly", "00:03:1"],
        ["weekly", "00:03:7"],
        ["monthly", "15:12:28"],
    ];
    for (const [interval, schedule] of ok) t.is(scheduleProblem(interval, schedule), undefined, `${interval} ${schedule}`);
    const bad: [Parameters<typeof scheduleProblem>[0], string][] = [
        ["hourly", "60"],
        ["hourly", "30:02"],
        ["hourly", ""],
        ["daily", "30"],
        ["daily", "30:24"],
        ["daily", "30:02:1"],
        ["daily", "a:b"],
        ["weekly", "00:03"],
        ["weekly", "00:03:0"],
        ["weekly", "00:03:8"],
        ["monthly", "00:03:29"],
        ["monthly", "00:03:0"],
        ["monthly", "-1:03:1"],
        ["monthly", "000:03:1"],
    ];
    for (const [interval, schedule] of bad) {
        t.regex(scheduleProblem(interval, schedule) ?? "", new RegExp(`does not parse for a ${interval} policy: the format is`), `${interval} ${schedule}`);
    }
    t.regex(scheduleProblem("weekly", "00:03:8")!, /day of week 1-7/);
    t.regex(scheduleProblem("monthly", "00:03:29")!, /day of month 1-28/);
});

test("shrink: refused below the current size unless allowed; growing, equal and first sizes pass", (t) => {
    t.regex(shrinkProblem(20, 15, undefined)!, /is 15 GB, below the current 20 GB.*allowShrink: true/);
    t.regex(shrinkProblem(20, 15, false)!, /below the current 20 GB/);
    t.is(shrinkProblem(20, 15, true), undefined);
    t.is(shrinkProblem(20, 20, undefined), undefined);
    t.is(shrinkProblem(20, 30, undefined), undefined);
    t.is(shrinkProblem(undefined, 5, undefined), undefined);
    t.is(shrinkProblem(20, undefined, undefined), undefined);
});

test("offering: a fixed one refuses a size, a custom one needs it, IOPS only where the offering allows them", (t) => {
    const fixed = { name: "Small", iscustomized: false, iscustomizediops: false, disksize: 5 };
    const custom = { name: "Custom", iscustomized: true, iscustomizediops: false, disksize: 0 };
    const iops = { name: "Custom IOPS", iscustomized: true, iscustomizediops: true, disksize: 0 };
    t.deepEqual(offeringProblems(fixed, {}), []);
    t.deepEqual(
        offeringProblems(fixed, { size: 10 }).map((f) => f.property),
        ["size"],
    );
    t.regex(offeringProblems(fixed, { size: 10 })[0].reason, /fixed size of 5 GB/);
    t.deepEqual(
        offeringProblems(custom, {}).map((f) => f.reason),
        ["is required: disk offering 'Custom' has a custom size"],
    );
    t.deepEqual(
        offeringProblems(custom, { size: 10, minIops: 1, maxIops: 2 }).map((f) => f.property),
        ["minIops", "maxIops"],
    );
    t.deepEqual(offeringProblems(iops, { size: 10, minIops: 1, maxIops: 2 }), []);
});
