// Configuration values are checked naming the option, its stack config key and the environment variable,
// whichever was set, so a user finds the bad setting at once.
import test from "ava";
import { MoldConfigError } from "../../provider/client";
import { resolveClientConfig } from "../../provider/client/config";
import { settingsFromConfig } from "../../provider/runtime/settings";

const CREDS = { MOLD_API_URL: "http://127.0.0.1:1/client/api", MOLD_API_KEY: "k", MOLD_SECRET_KEY: "s" };

function problem(env: Record<string, string>, options = {}): string {
    const e = (() => {
        try {
            resolveClientConfig(options, { ...CREDS, ...env });
        } catch (err) {
            return err;
        }
        return undefined;
    })();
    if (!(e instanceof MoldConfigError)) throw new Error(`expected a MoldConfigError, got ${String(e)}`);
    return e.message;
}

const ENV_CASES: [env: string, value: string, option: string, message: RegExp][] = [
    [
        "MOLD_TIMEOUT_MS",
        "abc",
        "timeoutMs",
        /MOLD_TIMEOUT_MS \(environment; or the timeoutMs option, pulumi config mold:timeoutMs\) must be a positive number of milliseconds, got 'abc'/,
    ],
    ["MOLD_TIMEOUT_MS", "-5", "timeoutMs", /MOLD_TIMEOUT_MS .* got '-5'/],
    [
        "MOLD_JOB_TIMEOUT_MS",
        "10m",
        "jobTimeoutMs",
        /MOLD_JOB_TIMEOUT_MS \(environment; or the jobTimeoutMs option\) must be a positive number of milliseconds, got '10m'/,
    ],
    [
        "MOLD_SIGNATURE",
        "md5",
        "signature",
        /MOLD_SIGNATURE \(environment; or the signature option, pulumi config mold:signature\): Unknown signature algorithm 'md5'/,
    ],
    [
        "MOLD_INSECURE",
        "maybe",
        "insecure",
        /MOLD_INSECURE \(environment; or the insecure option, pulumi config mold:insecure\) must be true or false, got 'maybe'/,
    ],
];

for (const [name, value, option, message] of ENV_CASES) {
    test(`${name}=${value} is refused naming ${name} and the ${option} option`, (t) => {
        t.regex(problem({ [name]: value }), message);
    });
}

test("stack config values are refused naming the mold: key", (t) => {
    const config = (values: Record<string, string>) => ({ get: (k: string) => values[k] });
    const settings = settingsFromConfig(config({ "mold:timeoutMs": "abc", "mold:insecure": "perhaps", "mold:signature": "sha512" }));
    const text = problem({}, settings);
    t.regex(
        text,
        /timeoutMs \(provider option, pulumi config mold:timeoutMs, which takes precedence over MOLD_TIMEOUT_MS\) must be a positive number of milliseconds, got 'abc'/,
    );
    t.regex(text, /insecure \(provider option, pulumi config mold:insecure.*\) must be true or false, got 'perhaps'/);
    t.regex(text, /signature \(provider option, pulumi config mold:signature.*\): Unknown signature algorithm 'sha512'/);
});

test("good values of every form are accepted", (t) => {
    const c = resolveClientConfig({}, { ...CREDS, MOLD_TIMEOUT_MS: "1500", MOLD_JOB_TIMEOUT_MS: "60000", MOLD_SIGNATURE: "HMAC-SHA1", MOLD_INSECURE: "no" });
    t.deepEqual([c.timeoutMs, c.jobTimeoutMs, c.signature, c.insecure], [1500, 60000, "sha1", false]);
    const fromConfig = resolveClientConfig(settingsFromConfig({ get: (k) => ({ "mold:timeoutMs": "2500", "mold:insecure": "true" })[k] }), CREDS);
    t.deepEqual([fromConfig.timeoutMs, fromConfig.insecure], [2500, true]);
});
