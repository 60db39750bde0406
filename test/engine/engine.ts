// A test engine that applies the Pulumi engine's step rules (pulumi-dynamic-providers.md §5) to a
// TypeScript program, sending every dynamic resource to @pulumi/pulumi's real dynamic-provider host.
// One engine run per process: the SDK's runtime keeps global state.
import * as fs from "fs";
import * as path from "path";
import { jsonEqual as equal } from "../../provider/runtime/equal";
import { HostError, ProviderHost } from "./host";
import { createMonitor, Registration, RegistrationResult } from "./monitor";
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
}

const DYNAMIC_TYPE = /^pulumi-nodejs:dynamic(\/|:)/;
const NODEJS_PROVIDER = "pulumi:providers:pulumi-nodejs";
const STACK_TYPE = "pulumi:pulumi:Stack";

export function projectName(programDir: string): string {
    const file = path.join(programDir, "Pulumi.yaml");
    if (fs.existsSync(file)) {
        const doc = require("yaml").parse(fs.readFileSync(file, "utf8"));
        if (doc?.name) return String(doc.name);
    }
    return path.basename(path.resolve(programDir));
}

export class Engine {
    readonly project: string;
    readonly stack: string;
    private readonly store: StateStore;
    private state!: StackState;
    private readonly hosts: Record<string, Promise<ProviderHost>> = {};
    private readonly report: Report = { steps: { create: 0, update: 0, replace: 0, delete: 0, same: 0 }, outputs: {}, changes: [] };
    private readonly seen = new Set<string>();
    private readonly pendingDeletes: ResourceState[] = [];
    private readonly inFlight: Promise<unknown>[] = [];
    private preview = false;

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

    private step(urn: string, kind: StepKind): void {
        this.report.steps[kind]++;
        this.report.changes.push({ urn, step: kind });
    }

    private find(urn: string): ResourceState | undefined {
        return this.state.resources.find((r) => r.urn === urn);
    }

    private put(r: ResourceState): void {
        const i = this.state.resources.findIndex((x) => x.urn === r.urn);
        if (i >= 0) this.state.resources[i] = r;
        else this.state.resources.push(r);
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
        await Promise.all(Object.values(this.hosts).map(async (h) => (await h.catch(() => undefined))?.stop()));
    }

    /** up (or preview): run the program, create/update/replace what it declares, delete what it dropped. */
    async up(preview = false): Promise<Report> {
        this.preview = preview;
        const old = JSON.parse(JSON.stringify(this.state)) as StackState;
        let failure: unknown;
        try {
            await this.runProgram();
        } catch (e) {
            failure = e;
        }
        // Never lose track of objects whose creation is still under way.
        await Promise.allSettled(this.inFlight);
        try {
            if (!failure && !preview) {
                const dropped = old.resources.filter((r) => !this.seen.has(r.urn) && r.type !== STACK_TYPE);
                await this.deleteInOrder(dropped);
                await this.deleteInOrder(this.pendingDeletes, false);
            } else if (!failure && preview) {
                for (const r of old.resources) if (!this.seen.has(r.urn) && r.type !== STACK_TYPE) this.step(r.urn, "delete");
            }
        } catch (e) {
            failure ??= e;
        } finally {
            if (!preview) this.store.save(this.state);
            else this.state = old;
            await this.stopHosts();
        }
        if (failure) throw failure;
        this.report.outputs = preview ? {} : this.state.outputs;
        return this.report;
    }

    /** refresh: Read every resource; an empty id means it is gone and leaves the state. */
    async refresh(): Promise<Report> {
        try {
            for (const r of [...this.state.resources]) {
                if (!r.custom || !DYNAMIC_TYPE.test(r.type)) continue;
                const host = await this.host(r.provider);
                if (r.external) {
                    const read = await host.read(r.id, r.urn, stripSecrets(r.outputs).plain, {});
                    if (!read.id) this.state.resources = this.state.resources.filter((x) => x.urn !== r.urn);
                    else this.put({ ...r, outputs: markSecrets(read.outputs, r.additionalSecretOutputs) });
                    this.step(r.urn, read.id ? "same" : "delete");
                    continue;
                }
                const { plain: outputs } = stripSecrets(r.outputs);
                const { plain: inputs } = stripSecrets(r.inputs);
                const read = await host.read(r.id, r.urn, outputs, inputs);
                if (!read.id) {
                    this.state.resources = this.state.resources.filter((x) => x.urn !== r.urn);
                    this.step(r.urn, "delete");
                    continue;
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
        } finally {
            this.store.save(this.state);
            await this.stopHosts();
        }
        this.report.outputs = this.state.outputs;
        return this.report;
    }

    /** destroy: delete everything in reverse dependency order. */
    async destroy(): Promise<Report> {
        try {
            await this.deleteInOrder(this.state.resources.filter((r) => r.type !== STACK_TYPE));
            this.state.resources = [];
            this.state.outputs = {};
        } finally {
            this.store.save(this.state);
            await this.stopHosts();
        }
        return this.report;
    }

    /** Deletes resources so that nothing is deleted before a resource that depends on it. */
    private async deleteInOrder(resources: ResourceState[], removeFromState = true): Promise<void> {
        const remaining = [...resources];
        while (remaining.length) {
            const blocked = new Set(remaining.flatMap((r) => [...r.dependencies, r.parent, r.provider.split("::").slice(0, -1).join("::")]));
            const ready = remaining.filter((r) => !blocked.has(r.urn));
            const batch = ready.length ? ready : [remaining[remaining.length - 1]];
            // Resources that nothing still needs are deleted in parallel, as the engine does.
            await Promise.all(batch.map((r) => this.deleteOne(r, removeFromState)));
            for (const r of batch) remaining.splice(remaining.indexOf(r), 1);
        }
    }

    private async deleteOne(r: ResourceState, removeFromState: boolean): Promise<void> {
        // External resources (Resource.get) are only forgotten, never deleted.
        if (r.custom && DYNAMIC_TYPE.test(r.type) && !r.external) {
            const host = await this.host(r.provider);
            await host.delete(r.id, r.urn, stripSecrets(r.outputs).plain, stripSecrets(r.inputs).plain);
        }
        if (removeFromState) this.state.resources = this.state.resources.filter((x) => x.urn !== r.urn || x.id !== r.id);
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

        require("ts-node").register({ transpileOnly: true, skipProject: true, compilerOptions: { module: "commonjs", target: "es2022", esModuleInterop: true, ignoreDeprecations: "6.0" } as any });
        // The program's own copy of the SDK, as the language host uses it: a program installed outside this
        // repository (an example copied elsewhere) has its own @pulumi/pulumi, whose runtime must see our monitor.
        const sdk = (module: string) => require(require.resolve(module, { paths: [programDir] }));
        const settings = sdk("@pulumi/pulumi/runtime/settings");
        const stateModule = sdk("@pulumi/pulumi/runtime/state");
        const monitor = createMonitor(this.stack, this.project, {
            register: (r) => this.track(this.register(r)),
            read: (r) => this.track(this.readExternal(r)),
            stackOutputs: (urn, outputs) => {
                if (urn.split("::")[2] === STACK_TYPE) this.state.outputs = outputs;
            },
        }, sdk);
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
        const previousCwd = process.cwd();
        process.chdir(programDir);
        try {
            await pulumiRuntime.runInPulumiStack(async () => {
                const mod = require(programDir);
                return mod && typeof mod === "object" && "default" in mod && typeof mod.default === "function" ? await mod.default() : mod;
            });
            await settings.waitForRPCs?.();
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
        if (!read.id) throw new Error(`${reg.urn}: ${reg.type} ${reg.id} does not exist`);
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
            const id = reg.custom ? old?.id ?? (reg.type === NODEJS_PROVIDER ? `${reg.name}-provider` : `${reg.name}-recorded`) : "";
            const record: ResourceState = { ...base, id, inputs: reg.inputs, outputs: reg.inputs, recordedWithoutPlugin: reg.custom && reg.type !== NODEJS_PROVIDER };
            if (reg.type !== STACK_TYPE) this.step(reg.urn, !old ? "create" : equal(old.inputs, reg.inputs) ? "same" : "update");
            if (!this.preview) this.put(record);
            return { id, outputs: reg.inputs };
        }

        const host = await this.host(reg.provider);
        const { plain: news, secretKeys } = stripSecrets(reg.inputs);
        const olds = old ? stripSecrets(old.inputs).plain : {};
        const checked = await host.check(reg.urn, olds, news);
        if (checked.failures.length) {
            throw new Error(`${reg.urn}: invalid inputs:\n${checked.failures.map((f) => `  - ${f.reason}`).join("\n")}`);
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
            if (diff.deleteBeforeReplace || reg.deleteBeforeReplace) {
                await host.delete(old.id, reg.urn, oldOutputs, olds);
            } else {
                this.pendingDeletes.push(old);
            }
            const created = await this.createOrRecordPartial(host, reg, base, inputs, seal);
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
    ): Promise<{ id: string; outputs: Record<string, any> }> {
        try {
            const created = await host.create(reg.urn, inputs);
            if (!created.id) throw new Error(`${reg.urn}: the provider returned an empty id from create`);
            const outputs = seal(created.outputs);
            this.put({ ...base, id: created.id, inputs: seal(inputs), outputs });
            return { id: created.id, outputs };
        } catch (e) {
            // A partial failure: the object exists. Record it so nothing leaks; the next up repairs it.
            if (e instanceof HostError && e.partial?.id) {
                this.put({ ...base, id: e.partial.id, inputs: seal(inputs), outputs: seal({ ...inputs, ...e.partial.properties }), initErrors: e.partial.reasons });
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
