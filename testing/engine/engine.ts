// A test engine that applies the Pulumi engine's step rules (pulumi-dynamic-providers.md §5) to a
// TypeScript program, sending every dynamic resource to @pulumi/pulumi's real dynamic-provider host.
// One engine run per process: the SDK's runtime keeps global state.
import * as fs from "fs";
import * as path from "path";
import { jsonEqual as equal } from "../../provider/runtime/equal";
import { checkpointDelayMs } from "./checkpoint";
import { CanceledError, errorMessage, oneLine, rootFailure, StepFailure } from "./failures";
import { HostError, ProviderHost } from "./host";
import { createMonitor, Registration, RegistrationResult } from "./monitor";
import { programEntry } from "./program";
import { isSecret, markSecrets, stripSecrets, wrapSecret } from "./secrets";
import { ResourceState, StackState, StateStore } from "./state";

export type StepKind = "create" | "update" | "replace" | "delete" | "same";

export interface EngineOptions {
    programDir: string;
    stateFile: string;
    stack?: string;
    /** Deadline of every provider RPC, ms. */
    rpcDeadlineMs?: number;
    /** Environment of the provider hosts (default: this process's). */
    hostEnv?: NodeJS.ProcessEnv;
}

export interface Report {
    steps: Record<StepKind, number>;
    outputs: Record<string, any>;
    /** Step per resource URN, in the order they happened. */
    changes: { urn: string; step: StepKind }[];
    /** Things the user should know that did not fail the run (the CLI prints them as `warning:` lines). */
    warnings: string[];
}

/** A failed run: `message` is the one line the CLI prints after `error: ` (the root failure). */
export class EngineError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "EngineError";
    }
}

const DYNAMIC_TYPE = /^pulumi-nodejs:dynamic(\/|:)/;
const NODEJS_PROVIDER = "pulumi:providers:pulumi-nodejs";
const STACK_TYPE = "pulumi:pulumi:Stack";

function pulumiYaml(programDir: string): any {
    const file = path.join(programDir, "Pulumi.yaml");
    return fs.existsSync(file) ? require("yaml").parse(fs.readFileSync(file, "utf8")) : undefined;
}

/** Pulumi.yaml's `main` (the program's entry, relative to the project), if set. */
function pulumiYamlMain(programDir: string): string | undefined {
    const main = pulumiYaml(programDir)?.main;
    return typeof main === "string" && main ? main : undefined;
}

/**
 * ts-node (a peer dependency of pulumi-mold/testing): the program's own copy first, then one next to pulumi-mold.
 * The copy @pulumi/pulumi vendors (ts-node 7 with TypeScript 3.8) cannot read today's TypeScript, so it is not used.
 */
function loadTsNode(programDir: string): { register(options: object): unknown } {
    for (const paths of [[path.resolve(programDir)], [__dirname]]) {
        try {
            return require(require.resolve("ts-node", { paths }));
        } catch {
            // next place
        }
    }
    throw new EngineError(
        "running a TypeScript program needs the package ts-node (a peer dependency of pulumi-mold/testing): run `npm install --save-dev ts-node`",
    );
}

export function projectName(programDir: string): string {
    const doc = pulumiYaml(programDir);
    if (doc?.name) return String(doc.name);
    return path.basename(path.resolve(programDir));
}

export class Engine {
    readonly project: string;
    readonly stack: string;
    private readonly store: StateStore;
    private state!: StackState;
    private readonly hosts: Record<string, Promise<ProviderHost>> = {};
    private readonly report: Report = { steps: { create: 0, update: 0, replace: 0, delete: 0, same: 0 }, outputs: {}, changes: [], warnings: [] };
    private readonly seen = new Set<string>();
    private readonly pendingDeletes: ResourceState[] = [];
    private readonly inFlight: Promise<unknown>[] = [];
    private preview = false;
    /** Steps whose provider call failed, in order: the first is the run's root failure. */
    private readonly failures: StepFailure[] = [];
    /** Errors the program itself raised (thrown, or rejected promises nobody handled). */
    private readonly programErrors: unknown[] = [];
    /** Set after the first failed step (or an interrupt): no new step starts, as the Pulumi engine cancels. */
    private canceled = false;
    private interrupted?: string;
    /** Resolves when the run is cancelled: the engine stops waiting for the program (whose outputs may
     * never settle once a resource failed) and only finishes the steps under way. */
    private cancel!: () => void;
    private readonly cancelled = new Promise<void>((resolve) => (this.cancel = resolve));
    private hostsStopped = false;

    constructor(readonly options: EngineOptions) {
        this.options = { ...options, programDir: path.resolve(options.programDir), stateFile: path.resolve(options.stateFile) };
        this.project = projectName(options.programDir);
        this.stack = options.stack ?? "dev";
        this.store = new StateStore(this.options.stateFile);
        this.state = this.store.load(this.project, this.stack);
    }

    /** Sets stack config (namespaced keys; a bare key gets the project's namespace). */
    setConfig(entries: Record<string, string>, secret = false): void {
        for (const [k, v] of Object.entries(entries)) {
            const key = k.includes(":") ? k : `${this.project}:${k}`;
            this.state.config[key] = secret ? wrapSecret(v) : v;
        }
        this.store.save(this.state);
    }

    /** Time the emulation spends on its own state checkpoints (the bench reports it apart: users run the real CLI). */
    readonly timings = { checkpoints: 0, checkpointMs: 0, stateBytes: 0 };

    private lastWrite = { ms: 0, endedAt: 0 };
    private pendingCheckpoint?: NodeJS.Timeout;

    /** Writes the state now (and drops a checkpoint still waiting: this write includes it). */
    private save(): void {
        if (this.pendingCheckpoint) clearTimeout(this.pendingCheckpoint);
        this.pendingCheckpoint = undefined;
        const started = performance.now();
        this.timings.stateBytes = this.store.save(this.state);
        const ms = performance.now() - started;
        this.timings.checkpoints++;
        this.timings.checkpointMs += ms;
        this.lastWrite = { ms, endedAt: performance.now() };
    }

    /** Writes a checkpoint that is still waiting (the CLI calls it before an exit at once). */
    flushCheckpoint(): void {
        if (this.pendingCheckpoint) this.save();
    }

    /**
     * Saves the state after a completed step, as Pulumi's backends checkpoint (never in a preview): at once
     * for a small state, else within MAX_CHECKPOINT_LAG_MS, one write covering the steps done meanwhile.
     */
    private checkpoint(): void {
        if (this.preview || this.pendingCheckpoint) return;
        const delay = checkpointDelayMs(this.lastWrite.ms, performance.now() - this.lastWrite.endedAt);
        if (delay <= 0) this.save();
        else this.pendingCheckpoint = setTimeout(() => this.save(), delay);
    }

    /** An error the program raised outside any step (the CLI routes unhandled rejections here). */
    programError(e: unknown): void {
        this.programErrors.push(e);
        this.canceled = true;
        this.cancel();
    }

    /** Stops starting new steps; steps under way finish and are saved (first Ctrl-C, like `pulumi`'s). */
    interrupt(reason: string): void {
        this.interrupted ??= reason;
        this.canceled = true;
        this.cancel();
    }

    /** Ends the provider hosts at once (second Ctrl-C): nothing may outlive the engine. */
    killHosts(): void {
        this.hostsStopped = true;
        ProviderHost.killAll();
    }

    /** URNs whose step failed. */
    get failedUrns(): string[] {
        return this.failures.map((f) => f.urn);
    }

    /** The steps so far, also of a run that failed. */
    get changes(): Report["changes"] {
        return this.report.changes;
    }

    /** Runs one step unless the run is cancelled; a failure is recorded against its URN and cancels the run. */
    private async guard<T>(urn: string, run: () => Promise<T>): Promise<T> {
        if (this.canceled) throw new CanceledError(urn);
        try {
            return await run();
        } catch (e) {
            if (!(e instanceof CanceledError)) {
                this.failures.push({ urn, message: errorMessage(e) });
                this.canceled = true;
                this.cancel();
            }
            throw e;
        }
    }

    /** Throws the run's root failure, if any, as one line. */
    private throwIfFailed(): void {
        const root = rootFailure(this.failures, this.programErrors);
        if (this.interrupted) throw new EngineError(`${this.interrupted}: steps under way were finished and saved${root ? `; ${root}` : ""}`);
        if (root) throw new EngineError(root);
    }

    private step(urn: string, kind: StepKind): void {
        this.report.steps[kind]++;
        this.report.changes.push({ urn, step: kind });
    }

    /** The live resource of a URN (not an old one waiting for deletion after a replace). */
    private find(urn: string): ResourceState | undefined {
        return this.state.resources.find((r) => r.urn === urn && !r.delete);
    }

    /** Records a resource and checkpoints. */
    private put(r: ResourceState): void {
        const i = this.state.resources.findIndex((x) => x.urn === r.urn && !!x.delete === !!r.delete && (!r.delete || x.id === r.id));
        if (i >= 0) this.state.resources[i] = r;
        else this.state.resources.push(r);
        this.checkpoint();
    }

    /** Forgets one object (by URN and id: a replaced resource's old object shares its URN) and checkpoints. */
    private remove(r: ResourceState): void {
        this.state.resources = this.state.resources.filter((x) => x.urn !== r.urn || x.id !== r.id || !!x.delete !== !!r.delete);
        this.checkpoint();
    }

    private configArgs(providerRef: string): Record<string, any> {
        if (!providerRef) return this.state.config;
        const urn = providerRef.split("::").slice(0, -1).join("::");
        const provider = this.find(urn);
        if (!provider) throw new Error(`unknown explicit provider ${providerRef}`);
        return provider.inputs;
    }

    /** One host per provider (the default one, plus one per explicit pulumi-nodejs provider), configured first. */
    private host(providerRef: string): Promise<ProviderHost> {
        const key = providerRef ? providerRef.split("::").slice(0, -1).join("::") : "default";
        if (this.hostsStopped && !this.hosts[key]) return Promise.reject(new Error("the run is ending: no provider host starts now"));
        return (this.hosts[key] ??= (async () => {
            const host = await ProviderHost.start(this.options.programDir, this.options.hostEnv ?? process.env, this.options.rpcDeadlineMs);
            const args: Record<string, any> = {};
            for (const [k, v] of Object.entries(this.configArgs(providerRef))) {
                if (k === "__provider") continue;
                // Secrets reach Configure wrapped, as the CLI sends them; the host unwraps them.
                args[k] = isSecret(v) ? v : typeof v === "string" ? v : JSON.stringify(v);
            }
            await host.configure(args);
            return host;
        })());
    }

    private async stopHosts(): Promise<void> {
        this.hostsStopped = true;
        await Promise.all(Object.values(this.hosts).map(async (h) => (await h.catch(() => undefined))?.stop()));
    }

    /** Waits until no step is under way (steps may start others while we wait). */
    private async settle(): Promise<void> {
        for (let seen = -1; seen !== this.inFlight.length;) {
            seen = this.inFlight.length;
            await Promise.allSettled(this.inFlight);
        }
    }

    /** up (or preview): run the program, create/update/replace what it declares, delete what it dropped. */
    async up(preview = false): Promise<Report> {
        this.preview = preview;
        // A preview puts the state back at the end, so it needs a deep copy; an up only reads the old records
        // (steps replace records, never change one in place), and a copy of a large state is a lot of memory.
        const old = preview ? (JSON.parse(JSON.stringify(this.state)) as StackState) : { ...this.state, resources: [...this.state.resources] };
        // Old objects of replaces a failed run did not finish deleting are deleted by this run.
        this.pendingDeletes.push(...this.state.resources.filter((r) => r.delete));
        try {
            try {
                await this.runProgram();
            } catch (e) {
                this.programError(e);
            }
            // Never lose track of objects whose creation is still under way.
            await this.settle();
            const failed = this.canceled || this.programErrors.length > 0;
            const live = (r: ResourceState) => !this.seen.has(r.urn) && r.type !== STACK_TYPE && !r.delete;
            if (!failed && !preview) {
                await this.deleteInOrder(old.resources.filter(live));
                await this.deleteInOrder(this.pendingDeletes, false);
            } else if (!failed && preview) {
                for (const r of old.resources) if (live(r)) this.step(r.urn, "delete");
            }
            if (!failed && [...this.seen].every((urn) => urn.split("::")[2] === STACK_TYPE)) {
                this.report.warnings.push(
                    `the program in ${this.options.programDir} registered no resources${old.resources.some(live) ? "; everything in the state was deleted" : ""}`,
                );
            }
        } finally {
            if (!preview) this.save();
            else this.state = old;
            await this.stopHosts();
        }
        this.throwIfFailed();
        this.report.outputs = preview ? {} : this.state.outputs;
        return this.report;
    }

    /** refresh: Read every resource; an empty id means it is gone and leaves the state. */
    async refresh(): Promise<Report> {
        try {
            for (const r of [...this.state.resources]) {
                if (!r.custom || !DYNAMIC_TYPE.test(r.type)) continue;
                try {
                    await this.guard(r.urn, () => this.refreshOne(r));
                } catch {
                    break; // recorded by guard; like `pulumi refresh`, the run stops at its first failure
                }
            }
        } finally {
            this.save();
            await this.stopHosts();
        }
        this.throwIfFailed();
        this.report.outputs = this.state.outputs;
        return this.report;
    }

    private async refreshOne(r: ResourceState): Promise<void> {
        const host = await this.host(r.provider);
        if (r.external) {
            const read = await host.read(r.id, r.urn, stripSecrets(r.outputs).plain, {});
            if (!read.id) this.remove(r);
            else this.put({ ...r, outputs: markSecrets(read.outputs, r.additionalSecretOutputs) });
            this.step(r.urn, read.id ? "same" : "delete");
            return;
        }
        const { plain: outputs } = stripSecrets(r.outputs);
        const { plain: inputs } = stripSecrets(r.inputs);
        const read = await host.read(r.id, r.urn, outputs, inputs);
        if (!read.id) {
            this.remove(r);
            this.step(r.urn, "delete");
            return;
        }
        const secretKeys = new Set([...stripSecrets(r.inputs).secretKeys, ...r.additionalSecretOutputs]);
        const next = { ...r, outputs: markSecrets(read.outputs, secretKeys), inputs: read.inputs ? markSecrets(read.inputs, secretKeys) : r.inputs };
        // Like `pulumi refresh`, a resource counts as changed when its outputs changed; refreshed
        // inputs are stored for the next diff but are not a change by themselves.
        const changedKeys = Object.keys({ ...r.outputs, ...next.outputs }).filter((k) => !equal(r.outputs[k], next.outputs[k]));
        this.step(r.urn, changedKeys.length ? "update" : "same");
        if (changedKeys.length) process.stderr.write(`refresh: ${r.urn} changed ${changedKeys.join(", ")}\n`);
        this.put(next);
    }

    /** destroy: delete everything in reverse dependency order. */
    async destroy(): Promise<Report> {
        try {
            await this.deleteInOrder(this.state.resources.filter((r) => r.type !== STACK_TYPE));
            this.state.resources = [];
            this.state.outputs = {};
        } catch {
            // recorded by guard; what was deleted is already out of the state
        } finally {
            this.save();
            await this.stopHosts();
        }
        this.throwIfFailed();
        return this.report;
    }

    /** Deletes resources so that nothing is deleted before a resource that depends on it. */
    private async deleteInOrder(resources: ResourceState[], removeFromState = true): Promise<void> {
        const remaining = [...resources];
        while (remaining.length) {
            const blocked = new Set(remaining.flatMap((r) => [...r.dependencies, r.parent, r.provider.split("::").slice(0, -1).join("::")]));
            const ready = remaining.filter((r) => !blocked.has(r.urn));
            const batch = ready.length ? ready : [remaining[remaining.length - 1]];
            // Resources that nothing still needs are deleted in parallel, as the engine does; every delete
            // under way finishes (and is saved) before a failure ends the run.
            const results = await Promise.allSettled(batch.map((r) => this.guard(r.urn, () => this.deleteOne(r, removeFromState))));
            const failed = results.find((x): x is PromiseRejectedResult => x.status === "rejected");
            if (failed) throw failed.reason;
            for (const r of batch) remaining.splice(remaining.indexOf(r), 1);
        }
    }

    private async deleteOne(r: ResourceState, removeFromState: boolean): Promise<void> {
        // External resources (Resource.get) are only forgotten, never deleted.
        if (r.custom && DYNAMIC_TYPE.test(r.type) && !r.external) {
            const host = await this.host(r.provider);
            await host.delete(r.id, r.urn, stripSecrets(r.outputs).plain, stripSecrets(r.inputs).plain);
        }
        if (removeFromState || r.delete) this.remove(r);
        this.step(r.urn, "delete");
    }

    private async runProgram(): Promise<void> {
        const programDir = this.options.programDir;
        // Stack config for `new pulumi.Config()` in the program, as the language host passes it.
        const plainConfig: Record<string, string> = {};
        const secretKeys: string[] = [];
        for (const [k, v] of Object.entries(this.state.config)) {
            plainConfig[k] = isSecret(v) ? String(v.value) : String(v);
            if (isSecret(v)) secretKeys.push(k);
        }
        process.env.PULUMI_CONFIG = JSON.stringify(plainConfig);
        process.env.PULUMI_CONFIG_SECRET_KEYS = JSON.stringify(secretKeys);
        process.env.PULUMI_NODEJS_PROJECT = this.project;
        process.env.PULUMI_NODEJS_STACK = this.stack;

        loadTsNode(programDir).register({
            transpileOnly: true,
            skipProject: true,
            compilerOptions: { module: "commonjs", target: "es2022", esModuleInterop: true, ignoreDeprecations: "6.0" } as any,
        });
        // The program's own copy of the SDK, as the language host uses it: a program installed outside this
        // repository (an example copied elsewhere) has its own @pulumi/pulumi, whose runtime must see our monitor.
        const sdk = (module: string) => require(require.resolve(module, { paths: [programDir] }));
        const settings = sdk("@pulumi/pulumi/runtime/settings");
        const stateModule = sdk("@pulumi/pulumi/runtime/state");
        const monitor = createMonitor(
            this.stack,
            this.project,
            {
                register: (r) => this.track(this.guard(r.urn, () => this.register(r))),
                read: (r) => this.track(this.guard(r.urn, () => this.readExternal(r))),
                stackOutputs: (urn, outputs) => {
                    if (urn.split("::")[2] === STACK_TYPE) this.state.outputs = outputs;
                },
            },
            sdk,
        );
        settings.setMockOptions(monitor, this.project, this.stack, this.preview);
        const store = stateModule.getStore();
        Object.assign(store, {
            supportsSecrets: true,
            supportsResourceReferences: false,
            supportsOutputValues: false,
            supportsDeletedWith: true,
            supportsAliasSpecs: true,
        });
        const pulumiRuntime = sdk("@pulumi/pulumi/runtime");
        const entry = programEntry(programDir, pulumiYamlMain(programDir));
        const previousCwd = process.cwd();
        process.chdir(programDir);
        // Once the run is cancelled (a step or the program failed), the program ends here, as the language
        // host ends it; what it registered before finishes (see settle).
        try {
            await Promise.race([
                pulumiRuntime.runInPulumiStack(async () => {
                    const mod = require(entry);
                    return mod && typeof mod === "object" && "default" in mod && typeof mod.default === "function" ? await mod.default() : mod;
                }),
                this.cancelled,
            ]);
            await Promise.race([settings.waitForRPCs?.(), this.cancelled]);
        } catch (e) {
            this.programError(e);
        } finally {
            process.chdir(previousCwd);
        }
    }

    private track<T>(p: Promise<T>): Promise<T> {
        this.inFlight.push(p.catch(() => undefined));
        return p;
    }

    /** `Resource.get`: Read the object through its provider; it is recorded as external. */
    private async readExternal(reg: Registration & { id: string }): Promise<RegistrationResult> {
        this.seen.add(reg.urn);
        const host = await this.host(reg.provider);
        const { plain } = stripSecrets(reg.inputs);
        const read = await host.read(reg.id, reg.urn, plain, {});
        if (!read.id) throw new Error(`read: ${reg.type} ${reg.id} does not exist`);
        const outputs = markSecrets(read.outputs, reg.additionalSecretOutputs);
        this.step(reg.urn, "same");
        if (!this.preview) {
            this.put({
                urn: reg.urn,
                type: reg.type,
                name: reg.name,
                custom: true,
                id: read.id,
                parent: reg.parent,
                provider: reg.provider,
                dependencies: reg.dependencies,
                inputs: {},
                outputs,
                additionalSecretOutputs: reg.additionalSecretOutputs,
                deleteBeforeReplace: false,
                external: true,
            });
        }
        return { id: read.id, outputs };
    }

    /** The step rules for one registered resource. */
    private async register(reg: Registration): Promise<RegistrationResult> {
        this.seen.add(reg.urn);
        const old = this.find(reg.urn);
        const base: Omit<ResourceState, "id" | "inputs" | "outputs"> = {
            urn: reg.urn,
            type: reg.type,
            name: reg.name,
            custom: reg.custom,
            parent: reg.parent,
            provider: reg.provider,
            dependencies: reg.dependencies,
            additionalSecretOutputs: reg.additionalSecretOutputs,
            deleteBeforeReplace: reg.deleteBeforeReplace,
        };

        if (reg.type === STACK_TYPE || !reg.custom || reg.type === NODEJS_PROVIDER || !DYNAMIC_TYPE.test(reg.type)) {
            // Components, the stack, explicit providers and resources of plugins this engine cannot run
            // (e.g. @pulumi/kubernetes) are recorded with their inputs as outputs.
            const id = reg.custom ? (old?.id ?? (reg.type === NODEJS_PROVIDER ? `${reg.name}-provider` : `${reg.name}-recorded`)) : "";
            const record: ResourceState = {
                ...base,
                id,
                inputs: reg.inputs,
                outputs: reg.inputs,
                recordedWithoutPlugin: reg.custom && reg.type !== NODEJS_PROVIDER,
            };
            if (reg.type !== STACK_TYPE) this.step(reg.urn, !old ? "create" : equal(old.inputs, reg.inputs) ? "same" : "update");
            if (!this.preview) this.put(record);
            return { id, outputs: reg.inputs };
        }

        const host = await this.host(reg.provider);
        const { plain: news, secretKeys } = stripSecrets(reg.inputs);
        const olds = old ? stripSecrets(old.inputs).plain : {};
        const checked = await host.check(reg.urn, olds, news);
        if (checked.failures.length) {
            throw new Error(`check: invalid inputs: ${checked.failures.map((f) => oneLine(f.reason)).join("; ")}`);
        }
        const inputs = checked.inputs;
        const secretOutputs = new Set([...secretKeys, ...reg.additionalSecretOutputs]);
        const seal = (props: Record<string, any>) => markSecrets(props, secretOutputs);

        if (!old) {
            this.step(reg.urn, "create");
            if (this.preview) return { id: "", outputs: seal(withoutUnknowns(inputs)) };
            const created = await this.createOrRecordPartial(host, reg, base, inputs, seal);
            return { id: created.id, outputs: created.outputs };
        }

        const oldOutputs = stripSecrets(old.outputs).plain;
        const diff = await host.diff(old.id, reg.urn, oldOutputs, inputs, olds);
        // A resource left with init errors (a partial failure) is always updated, so the next up repairs it.
        const changed = old.initErrors?.length ? true : diff.changes === "unknown" ? !equal(olds, inputs) : diff.changes === "some";
        const replaceKeys = reg.replaceOnChanges.filter((k) => !equal(olds[k], inputs[k]));
        if (!changed) {
            this.step(reg.urn, "same");
            // A "same" step keeps the old outputs (and the old __provider in them) with the new inputs.
            if (!this.preview) this.put({ ...base, id: old.id, inputs: seal(inputs), outputs: old.outputs, initErrors: old.initErrors });
            return { id: old.id, outputs: old.outputs };
        }
        if (diff.replaces.length || replaceKeys.length) {
            this.step(reg.urn, "replace");
            if (this.preview) return { id: old.id, outputs: seal(withoutUnknowns(inputs)) };
            const deleteFirst = diff.deleteBeforeReplace || reg.deleteBeforeReplace;
            if (deleteFirst) {
                await host.delete(old.id, reg.urn, oldOutputs, olds);
                this.remove(old);
            }
            const created = await this.createOrRecordPartial(host, reg, base, inputs, seal, deleteFirst ? undefined : old);
            return { id: created.id, outputs: created.outputs };
        }
        this.step(reg.urn, "update");
        if (this.preview) return { id: old.id, outputs: seal(withoutUnknowns(inputs)) };
        try {
            const outputs = seal(await host.update(old.id, reg.urn, oldOutputs, inputs, olds));
            this.put({ ...base, id: old.id, inputs: seal(inputs), outputs });
            return { id: old.id, outputs };
        } catch (e) {
            if (e instanceof HostError && e.partial) {
                this.put({ ...base, id: old.id, inputs: seal(inputs), outputs: seal(e.partial.properties), initErrors: e.partial.reasons });
            }
            throw e;
        }
    }

    private async createOrRecordPartial(
        host: ProviderHost,
        reg: Registration,
        base: Omit<ResourceState, "id" | "inputs" | "outputs">,
        inputs: Record<string, any>,
        seal: (p: Record<string, any>) => Record<string, any>,
        replacing?: ResourceState,
    ): Promise<{ id: string; outputs: Record<string, any> }> {
        // Once the replacement exists, the old object stays in the state marked for deletion (Pulumi's
        // `delete: true`) until it is deleted: a run that fails before then leaves it to the next up or destroy.
        const retire = () => {
            if (!replacing) return;
            const pending = { ...replacing, delete: true };
            this.state.resources = this.state.resources.filter((x) => !(x.urn === replacing.urn && x.id === replacing.id && !x.delete));
            this.state.resources.push(pending);
            this.pendingDeletes.push(pending);
        };
        try {
            const created = await host.create(reg.urn, inputs);
            if (!created.id) throw new Error("create: the provider returned an empty id");
            const outputs = seal(created.outputs);
            retire();
            this.put({ ...base, id: created.id, inputs: seal(inputs), outputs });
            return { id: created.id, outputs };
        } catch (e) {
            // A partial failure: the object exists. Record it so nothing leaks; the next up repairs it.
            if (e instanceof HostError && e.partial?.id) {
                retire();
                this.put({
                    ...base,
                    id: e.partial.id,
                    inputs: seal(inputs),
                    outputs: seal({ ...inputs, ...e.partial.properties }),
                    initErrors: e.partial.reasons,
                });
            }
            throw e;
        }
    }
}

function withoutUnknowns(props: Record<string, any>): Record<string, any> {
    const out: Record<string, any> = {};
    for (const [k, v] of Object.entries(props)) if (v !== "04da6b54-80e4-46f7-96ec-b56ff0331ba9") out[k] = v;
    return out;
}

/** Stack outputs for display: secrets shown as "[secret]". */
export function displayOutputs(outputs: Record<string, any>): Record<string, any> {
    const show = (v: any): any => {
        if (isSecret(v)) return "[secret]";
        if (Array.isArray(v)) return v.map(show);
        if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, show(x)]));
        return v;
    };
    return show(outputs);
}
