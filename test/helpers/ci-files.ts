// Reads the CI examples (examples/ci/github-actions.yml, examples/ci/gitlab-ci.yml): structure checks that list every
// problem at once, and the validation job's shell lines mapped to what the repository runs locally instead.
// Pure: no I/O; test/unit/ci-files.test.ts checks the rules, test/e2e/ci-files.test.ts runs the mapped steps.
import { parse } from "yaml";

/** Names whose values are credentials; a script line may use them only where CHECKED_SECRET_USE allows. */
export const SECRET_NAMES = [
    "MOLD_API_KEY",
    "MOLD_SECRET_KEY",
    "MOLD_PROD_API_KEY",
    "MOLD_PROD_SECRET_KEY",
    "PULUMI_ACCESS_TOKEN",
    "GITLAB_NOTE_TOKEN",
    "GITHUB_TOKEN",
];
/** The one use of a secret on a command line: the GitLab token as curl's header (curl never prints it). */
const CHECKED_SECRET_USE = /^curl\b.* -H "PRIVATE-TOKEN: \$GITLAB_NOTE_TOKEN"/;
/** Commands that would print the environment or trace expanded commands into the job log. */
const PRINTS_ENVIRONMENT = /(^|[;&|]\s*)(printenv|env|export -p|declare -p)\s*($|[;&|])|\bset\s+-[a-z]*x/;

const MOLD_ENV = ["MOLD_API_URL", "MOLD_API_KEY", "MOLD_SECRET_KEY"] as const;

type Yaml = Record<string, any>;

export const parseCiFile = (text: string): Yaml => parse(text);

/** The lines a shell runs from a `run:` block or a `script:` list: continuations joined, blanks and comments dropped. */
export function shellLines(script: string | string[] | undefined): string[] {
    const blocks = script === undefined ? [] : Array.isArray(script) ? script : [script];
    const out: string[] = [];
    for (const block of blocks) {
        let pending = "";
        for (const raw of String(block).split("\n")) {
            const line = raw.trim();
            if (line.endsWith("\\")) {
                pending += line.slice(0, -1) + " ";
                continue;
            }
            const whole = (pending + line).trim();
            pending = "";
            if (whole && !whole.startsWith("#")) out.push(whole);
        }
    }
    return out;
}

/** Problems with how a script line treats secrets (empty when none). */
export function secretProblems(where: string, line: string): string[] {
    const problems: string[] = [];
    if (/\$\{\{\s*secrets\./.test(line)) problems.push(`${where}: '${line}' puts a secret into the script text (map it in env: instead)`);
    if (PRINTS_ENVIRONMENT.test(line)) problems.push(`${where}: '${line}' prints the environment or traces commands`);
    for (const name of SECRET_NAMES) {
        if (new RegExp(`\\b${name}\\b`).test(line) && !CHECKED_SECRET_USE.test(line)) problems.push(`${where}: '${line}' uses ${name} on a command line`);
    }
    return problems;
}

const pinned = (ref: string) => /@(v\d+\.\d+\.\d+|[0-9a-f]{40})$/.test(ref);

/** Every problem with the GitHub Actions workflow (empty when it is as the README describes). */
export function checkGithubWorkflow(wf: Yaml): string[] {
    const problems: string[] = [];
    const on = wf.on ?? wf[true as unknown as string] ?? {};
    if (!(on.pull_request?.branches ?? []).includes("main")) problems.push("on.pull_request.branches must include main");
    if (!(on.push?.branches ?? []).includes("main")) problems.push("on.push.branches must include main");
    if (!/^\d+\.\d+\.\d+$/.test(String(wf.env?.PULUMI_VERSION))) problems.push("env.PULUMI_VERSION must pin a Pulumi CLI version (x.y.z)");
    const jobs: Record<string, Yaml> = wf.jobs ?? {};
    const validate = Object.entries(jobs).find(([, job]) => (job.steps ?? []).some((s: Yaml) => /\bmold-simulator\b/.test(s.run ?? "")))?.[0];
    if (!validate) problems.push("no job starts mold-simulator");
    const byStep = (predicate: (s: Yaml) => boolean) => Object.entries(jobs).filter(([, job]) => (job.steps ?? []).some(predicate));
    const previewJobs = byStep((s) => /^pulumi\/actions@/.test(s.uses ?? "") && s.with?.command === "preview");
    const deployJobs = byStep((s) => shellLines(s.run).some((l) => /^pulumi up --yes\b/.test(l)));
    if (previewJobs.length !== 1) problems.push("exactly one job must run pulumi/actions with command: preview");
    if (deployJobs.filter(([name]) => name !== validate).length !== 1) problems.push("exactly one job besides the validation must run 'pulumi up --yes'");
    for (const [name, job] of previewJobs) {
        const step = job.steps.find((s: Yaml) => s.with?.command === "preview");
        if (step.with.diff !== true) problems.push(`${name}: the preview step needs diff: true`);
        if (step.with["comment-on-pr"] !== true) problems.push(`${name}: the preview step needs comment-on-pr: true`);
        if (!/secrets\.GITHUB_TOKEN/.test(step.with["github-token"] ?? ""))
            problems.push(`${name}: the preview step needs github-token: \${{ secrets.GITHUB_TOKEN }}`);
        if (!/github\.event_name == 'pull_request'/.test(job.if ?? ""))
            problems.push(`${name}: must run on pull requests only (if: github.event_name == 'pull_request')`);
        if (job.permissions?.["pull-requests"] !== "write") problems.push(`${name}: needs permissions: pull-requests: write to comment`);
    }
    for (const [name, job] of deployJobs.filter(([n]) => n !== validate)) {
        if (!/github\.event_name == 'push'/.test(job.if ?? "") || !/github\.ref == 'refs\/heads\/main'/.test(job.if ?? "")) {
            problems.push(`${name}: must run on pushes to main only`);
        }
        const group = String(job.concurrency?.group ?? "");
        if (!group || /run_id|run_number|\.sha\b/.test(group)) problems.push(`${name}: needs a concurrency group that is the same for every run of the stack`);
        if (job.concurrency?.["cancel-in-progress"] !== false) problems.push(`${name}: concurrency must say cancel-in-progress: false`);
    }
    for (const [name, job] of [...previewJobs, ...deployJobs.filter(([n]) => n !== validate)]) {
        const needs = [job.needs ?? []].flat();
        if (validate && !needs.includes(validate)) problems.push(`${name}: must need the validation job '${validate}'`);
        for (const key of MOLD_ENV) {
            if (!new RegExp(`^\\$\\{\\{\\s*secrets\\.${key}\\s*\\}\\}$`).test(job.env?.[key] ?? ""))
                problems.push(`${name}: env.${key} must be \${{ secrets.${key} }}`);
        }
    }
    if (validate) problems.push(...simulatorEnvProblems(`jobs.${validate}.env`, jobs[validate].env ?? {}));
    for (const [name, job] of Object.entries(jobs)) {
        for (const step of job.steps ?? []) {
            if (step.uses && !pinned(step.uses)) problems.push(`${name}: '${step.uses}' is not pinned to a full version or commit`);
            for (const line of shellLines(step.run)) problems.push(...secretProblems(name, line));
        }
    }
    return problems;
}

/** The validation job's environment must be the simulator's, never a secret. */
function simulatorEnvProblems(where: string, env: Yaml): string[] {
    const problems: string[] = [];
    if (!/^http:\/\/127\.0\.0\.1:\d+\/client\/api$/.test(env.MOLD_API_URL ?? "")) problems.push(`${where}.MOLD_API_URL must be the local simulator's URL`);
    for (const key of ["MOLD_API_KEY", "MOLD_SECRET_KEY"])
        if (!/^[\w-]+$/.test(env[key] ?? "")) problems.push(`${where}.${key} must be the simulator's literal key`);
    return problems;
}

/** Every problem with the GitLab pipeline (empty when it is as the README describes). */
export function checkGitlabPipeline(ci: Yaml): string[] {
    const problems: string[] = [];
    const stages: string[] = ci.stages ?? [];
    if (!/^\d+\.\d+\.\d+$/.test(String(ci.variables?.PULUMI_VERSION))) problems.push("variables.PULUMI_VERSION must pin a Pulumi CLI version (x.y.z)");
    if (!/:\d+\.\d+\.\d+/.test(ci.default?.image ?? "")) problems.push("default.image must be pinned to a full version");
    const jobs = Object.entries(ci).filter(([, v]) => v && typeof v === "object" && "script" in v) as [string, Yaml][];
    const scriptOf = (job: Yaml) => shellLines(job.script);
    const validate = jobs.find(([, job]) => scriptOf(job).some((l) => /\bmold-simulator\b/.test(l)))?.[0];
    if (!validate) problems.push("no job starts mold-simulator");
    const preview = jobs.filter(([, job]) => scriptOf(job).some((l) => /^pulumi preview --diff\b/.test(l)) && job !== ci[validate ?? ""]);
    const deploy = jobs.filter(([name, job]) => name !== validate && scriptOf(job).some((l) => /^pulumi up --yes\b/.test(l)));
    if (preview.length !== 1) problems.push("exactly one job besides the validation must run 'pulumi preview --diff'");
    if (deploy.length !== 1) problems.push("exactly one job besides the validation must run 'pulumi up --yes'");
    const stageIndex = (job: Yaml) => stages.indexOf(job.stage);
    for (const [name, job] of preview) {
        if (!(job.rules ?? []).some((r: Yaml) => /\$CI_PIPELINE_SOURCE == "merge_request_event"/.test(r.if ?? "")))
            problems.push(`${name}: must run in merge request pipelines`);
        if (!scriptOf(job).some((l) => /^curl\b.*-X POST.*PRIVATE-TOKEN.*\/merge_requests\/\$CI_MERGE_REQUEST_IID\/notes"?$/.test(l))) {
            problems.push(`${name}: must post the diff as a merge request note (curl POST …/merge_requests/$CI_MERGE_REQUEST_IID/notes)`);
        }
    }
    for (const [name, job] of deploy) {
        if (!(job.rules ?? []).some((r: Yaml) => /\$CI_COMMIT_BRANCH == \$CI_DEFAULT_BRANCH/.test(r.if ?? "")))
            problems.push(`${name}: must run on the default branch only`);
        if (!job.resource_group || /CI_PIPELINE_ID|CI_JOB_ID|CI_COMMIT_SHA/.test(job.resource_group))
            problems.push(`${name}: needs a resource_group that is the same for every run of the stack`);
    }
    for (const [name, job] of [...preview, ...deploy]) {
        if (validate && !(job.needs ?? []).includes(validate)) problems.push(`${name}: must need the validation job '${validate}'`);
        if (validate && !(stageIndex(job) > stageIndex(ci[validate]))) problems.push(`${name}: its stage must come after '${ci[validate].stage}'`);
        for (const key of MOLD_ENV) {
            const from = key.replace("MOLD_", "MOLD_PROD_");
            if (job.variables?.[key] !== `$${from}`) problems.push(`${name}: variables.${key} must be $${from} (a masked CI/CD variable)`);
        }
    }
    if (validate) problems.push(...simulatorEnvProblems(`${validate}.variables`, ci[validate].variables ?? {}));
    for (const [name, job] of [["default", ci.default ?? {}] as [string, Yaml], ...jobs]) {
        for (const line of [...shellLines(job.before_script), ...shellLines(job.script)]) problems.push(...secretProblems(name, line));
    }
    return problems;
}

// ---- the validation job, run locally ----

/** What a line of the validation job does when the test runs it here. */
export type LocalStep =
    | { kind: "skip"; line: string; why: string }
    | { kind: "cd"; dir: string }
    | { kind: "start-simulator"; args: string[] }
    | { kind: "stop-at-exit" }
    | { kind: "wait-ready"; seconds: number }
    | { kind: "check-ready" }
    | { kind: "login-throwaway" }
    | { kind: "stack-init"; stack: string }
    | { kind: "preview" }
    | { kind: "up"; expectNoChanges: boolean };

/**
 * The documented mapping from the CI files' shell lines to local steps. A line no rule matches fails the test, so a
 * command added to the files must be given its local meaning here.
 */
export const LINE_MAPPING: { pattern: RegExp; meaning: string; step: (m: RegExpMatchArray, line: string) => LocalStep }[] = [
    {
        pattern: /^npm ci$/,
        meaning: "skipped: the repository's dependencies and dist/ are there",
        step: (_, line) => ({ kind: "skip", line, why: "installed" }),
    },
    {
        pattern: /^curl -fsSL https:\/\/get\.pulumi\.com \| sh -s -- --version "\$PULUMI_VERSION"$/,
        meaning: "skipped: the Pulumi CLI is replaced by the engine",
        step: (_, line) => ({ kind: "skip", line, why: "Pulumi CLI" }),
    },
    {
        pattern: /^export PATH="\$HOME\/\.pulumi\/bin:\$PATH"$/,
        meaning: "skipped: the Pulumi CLI's PATH",
        step: (_, line) => ({ kind: "skip", line, why: "Pulumi CLI" }),
    },
    { pattern: /^cd "?\$PROGRAM_DIR"?$/, meaning: "the program folder", step: () => ({ kind: "cd", dir: "$PROGRAM_DIR" }) },
    {
        pattern: /^npx mold-simulator ((?:--[\w-]+ [^\s>&]+ ?)*)> "\$SIM_LOG" 2>&1 &$/,
        meaning: "bin/mold-simulator.js with the same options in the background (--port 0: the machine is shared)",
        step: (m) => ({ kind: "start-simulator", args: m[1].trim().split(/\s+/) }),
    },
    {
        pattern: /^trap "kill \$!" EXIT( #.*)?$/,
        meaning: "the test stops the simulator when the run ends, also on a failure",
        step: () => ({ kind: "stop-at-exit" }),
    },
    {
        pattern: /^for i in \$\(seq (\d+)\); do grep -q '"url"' "\$SIM_LOG" && break; sleep 1; done$/,
        meaning: "wait for the simulator's ready line, with the loop's deadline",
        step: (m) => ({ kind: "wait-ready", seconds: Number(m[1]) }),
    },
    { pattern: /^grep -q '"url"' "\$SIM_LOG" \|\| \{ .*exit 1; \}$/, meaning: "fail without a ready line", step: () => ({ kind: "check-ready" }) },
    {
        pattern: /^pulumi login "file:\/\/\$\(mktemp -d\)"$/,
        meaning: "a fresh engine state file in a temporary folder",
        step: () => ({ kind: "login-throwaway" }),
    },
    { pattern: /^pulumi stack init ([\w.-]+)$/, meaning: "the engine's --stack", step: (m) => ({ kind: "stack-init", stack: m[1] }) },
    { pattern: /^pulumi preview --diff$/, meaning: "npm run engine -- preview", step: () => ({ kind: "preview" }) },
    { pattern: /^pulumi up --yes$/, meaning: "npm run engine -- up", step: () => ({ kind: "up", expectNoChanges: false }) },
    {
        pattern: /^pulumi up --yes --expect-no-changes$/,
        meaning: "npm run engine -- up, failing unless every step is 'same'",
        step: () => ({ kind: "up", expectNoChanges: true }),
    },
];

/** The local step of one line; throws naming the line when the mapping has no rule for it. */
export function localStep(line: string): LocalStep {
    for (const rule of LINE_MAPPING) {
        const m = line.match(rule.pattern);
        if (m) return rule.step(m, line);
    }
    throw new Error(`no local mapping for the CI line '${line}' (add one to LINE_MAPPING in test/helpers/ci-files.ts)`);
}

/** The kinds the validation job must run, in this order; what is missing is listed. */
const REQUIRED = ["start-simulator", "stop-at-exit", "wait-ready", "login-throwaway", "preview", "up", "up-no-changes"];

export function missingSteps(steps: LocalStep[]): string[] {
    const seen: string[] = steps.map((s) => (s.kind === "up" && s.expectNoChanges ? "up-no-changes" : s.kind));
    const missing: string[] = [];
    let at = 0;
    for (const kind of REQUIRED) {
        const found = seen.indexOf(kind, at);
        if (found < 0) missing.push(kind);
        else at = found + 1;
    }
    return missing;
}

export interface ValidationJob {
    name: string;
    /** The job's environment: the file's global env/variables, then the job's. */
    env: Record<string, string>;
    /** Folder the lines run in, relative to the repository root ("" when the lines cd themselves). */
    workingDirectory: string;
    lines: string[];
}

/** Expands ${{ env.X }} and $X / ${X} from `env`. */
export function expand(text: string, env: Record<string, string>): string {
    return text.replace(/\$\{\{\s*env\.(\w+)\s*\}\}/g, (_, k) => env[k] ?? "").replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, a, b) => env[a ?? b] ?? whole);
}

export function githubValidationJob(wf: Yaml): ValidationJob {
    const entry = Object.entries(wf.jobs ?? {}).find(([, job]: [string, any]) => (job.steps ?? []).some((s: Yaml) => /\bmold-simulator\b/.test(s.run ?? "")));
    if (!entry) throw new Error("no job of the workflow starts mold-simulator");
    const [name, job] = entry as [string, Yaml];
    const env = { ...wf.env, ...job.env };
    return {
        name,
        env,
        workingDirectory: expand(job.defaults?.run?.["working-directory"] ?? ".", env),
        lines: (job.steps ?? []).flatMap((s: Yaml) => shellLines(s.run)),
    };
}

export function gitlabValidationJob(ci: Yaml): ValidationJob {
    const entry = Object.entries(ci).find(([, v]) => v && typeof v === "object" && shellLines((v as Yaml).script).some((l) => /\bmold-simulator\b/.test(l)));
    if (!entry) throw new Error("no job of the pipeline starts mold-simulator");
    const [name, job] = entry as [string, Yaml];
    return {
        name,
        env: { ...ci.variables, ...job.variables },
        workingDirectory: ".",
        lines: [...shellLines(job.before_script ?? ci.default?.before_script), ...shellLines(job.script)],
    };
}
