// examples/ci: both CI files parsed with `yaml` and checked against what examples/ci/README.md promises (triggers,
// concurrency, secrets into MOLD_*, nothing echoed, validation on the simulator first); every line of the validation
// jobs has a local meaning. Each check is also shown failing on an edited copy. test/e2e/ci-files.test.ts runs them.
import test from "ava";
import * as fs from "fs";
import * as path from "path";
import {
    checkGithubWorkflow,
    checkGitlabPipeline,
    githubValidationJob,
    gitlabValidationJob,
    localStep,
    missingSteps,
    parseCiFile,
    secretProblems,
    shellLines,
} from "../helpers/ci-files";

const DIR = path.resolve(__dirname, "../../../examples/ci");
const read = (file: string) => fs.readFileSync(path.join(DIR, file), "utf8");
const github = () => parseCiFile(read("github-actions.yml"));
const gitlab = () => parseCiFile(read("gitlab-ci.yml"));

test("the GitHub workflow and the GitLab pipeline pass every check", (t) => {
    t.deepEqual(checkGithubWorkflow(github()), []);
    t.deepEqual(checkGitlabPipeline(gitlab()), []);
});

test("the README explains every secret and variable the files read", (t) => {
    const readme = read("README.md");
    for (const name of [
        "MOLD_API_URL",
        "MOLD_API_KEY",
        "MOLD_SECRET_KEY",
        "PULUMI_ACCESS_TOKEN",
        "MOLD_PROD_API_URL",
        "MOLD_PROD_API_KEY",
        "MOLD_PROD_SECRET_KEY",
        "GITLAB_NOTE_TOKEN",
    ]) {
        t.regex(readme, new RegExp(`\`${name}\``), name);
    }
    const used = new Set([...read("github-actions.yml").matchAll(/secrets\.(\w+)/g)].map((m) => m[1]));
    for (const name of used) if (name !== "GITHUB_TOKEN") t.regex(readme, new RegExp(`\`${name}\``), `secrets.${name} is explained`);
});

test("GitHub: a missing trigger, a cancelling or per-run deploy group, an unpinned action and a deploy without validation are each reported", (t) => {
    const wf = github();
    delete wf.on.pull_request;
    wf.jobs.deploy.concurrency["cancel-in-progress"] = true;
    wf.jobs.preview.steps[0].uses = "actions/checkout@v4";
    wf.jobs.deploy.needs = [];
    wf.jobs.deploy.env.MOLD_SECRET_KEY = "plain-text";
    wf.jobs.preview.steps.find((s: any) => s.with?.command === "preview").with.diff = false;
    const problems = checkGithubWorkflow(wf);
    t.true(problems.includes("on.pull_request.branches must include main"));
    t.true(problems.includes("deploy: concurrency must say cancel-in-progress: false"));
    t.true(problems.includes("preview: 'actions/checkout@v4' is not pinned to a full version or commit"));
    t.true(problems.includes("deploy: must need the validation job 'validate'"));
    t.true(problems.includes("deploy: env.MOLD_SECRET_KEY must be ${{ secrets.MOLD_SECRET_KEY }}"));
    t.true(problems.includes("preview: the preview step needs diff: true"));
    t.is(problems.length, 6, problems.join("\n"));

    const perRun = github();
    perRun.jobs.deploy.concurrency.group = "deploy-${{ github.run_id }}";
    t.deepEqual(checkGithubWorkflow(perRun), ["deploy: needs a concurrency group that is the same for every run of the stack"]);
});

test("GitLab: no resource_group, a preview outside merge requests, no note and secrets not from MOLD_PROD_* are each reported", (t) => {
    const ci = gitlab();
    delete ci.deploy.resource_group;
    ci.preview.rules = [{ if: "$CI_COMMIT_BRANCH" }];
    ci.preview.script = ci.preview.script.filter((l: string) => !l.startsWith("curl"));
    ci.deploy.variables.MOLD_API_KEY = "$MOLD_API_KEY";
    ci.deploy.stage = "validate";
    const problems = checkGitlabPipeline(ci);
    t.true(problems.includes("deploy: needs a resource_group that is the same for every run of the stack"));
    t.true(problems.includes("preview: must run in merge request pipelines"));
    t.true(problems.some((p) => p.startsWith("preview: must post the diff as a merge request note")));
    t.true(problems.includes("deploy: variables.MOLD_API_KEY must be $MOLD_PROD_API_KEY (a masked CI/CD variable)"));
    t.true(problems.includes("deploy: its stage must come after 'validate'"));
    t.is(problems.length, 5, problems.join("\n"));
});

test("a secret echoed, traced or written into a script is reported, in either file", (t) => {
    t.deepEqual(secretProblems("job", 'pulumi config set --secret mold:secretKey "$MOLD_SECRET_KEY"'), [
        "job: 'pulumi config set --secret mold:secretKey \"$MOLD_SECRET_KEY\"' uses MOLD_SECRET_KEY on a command line",
    ]);
    t.true(
        secretProblems("job", "echo ${{ secrets.MOLD_API_KEY }}").includes(
            "job: 'echo ${{ secrets.MOLD_API_KEY }}' puts a secret into the script text (map it in env: instead)",
        ),
    );
    t.is(secretProblems("job", "set -eux").length, 1);
    t.is(secretProblems("job", "printenv | sort").length, 1);
    t.deepEqual(secretProblems("job", 'curl -fsS -X POST -H "PRIVATE-TOKEN: $GITLAB_NOTE_TOKEN" --data-urlencode "body@x" "$U"'), []);
    t.deepEqual(secretProblems("job", "pulumi up --yes"), []);

    const wf = github();
    wf.jobs.deploy.steps.push({ run: "echo $MOLD_API_KEY" });
    t.deepEqual(checkGithubWorkflow(wf), ["deploy: 'echo $MOLD_API_KEY' uses MOLD_API_KEY on a command line"]);
    const ci = gitlab();
    ci.default.before_script.push("set -x");
    t.deepEqual(checkGitlabPipeline(ci), ["default: 'set -x' prints the environment or traces commands"]);
});

test("shell lines: continuations joined, comments and blanks dropped", (t) => {
    t.deepEqual(shellLines("a \\\n  b\n\n# note\nc\n"), ["a  b", "c"]);
    t.deepEqual(shellLines(["x", "y"]), ["x", "y"]);
});

test("every line of both validation jobs has a local meaning, and they run simulator, preview, up, no-op up in order", (t) => {
    for (const job of [githubValidationJob(github()), gitlabValidationJob(gitlab())]) {
        const steps = job.lines.map(localStep);
        t.deepEqual(missingSteps(steps), [], job.name);
        const start = steps.find((s) => s.kind === "start-simulator");
        t.deepEqual(start, { kind: "start-simulator", args: ["--port", "8080", "--api-key", job.env.MOLD_API_KEY, "--secret-key", job.env.MOLD_SECRET_KEY] });
    }
});

test("a line without a mapping, or a validation job missing its no-op up, fails", (t) => {
    t.throws(() => localStep("pulumi refresh --yes"), { message: /no local mapping for the CI line 'pulumi refresh --yes'/ });
    const wf = github();
    const job = githubValidationJob(wf);
    const steps = job.lines.filter((l) => !l.includes("--expect-no-changes")).map(localStep);
    t.deepEqual(missingSteps(steps), ["up-no-changes"]);
    t.deepEqual(missingSteps([]), ["start-simulator", "stop-at-exit", "wait-ready", "login-throwaway", "preview", "up", "up-no-changes"]);
});
