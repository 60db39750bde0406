// Acting as the Pulumi engine towards @pulumi/pulumi's real dynamic-provider host: start it the way the
// CLI's pulumi-resource-pulumi-nodejs launcher does, then speak pulumirpc.ResourceProvider over gRPC.
// Every call has a deadline, so a hook that hangs fails a test instead of blocking CI.
import { ChildProcess, spawn } from "child_process";

const grpc = require("@grpc/grpc-js");
const provrpc = require("@pulumi/pulumi/proto/provider_grpc_pb");
const provproto = require("@pulumi/pulumi/proto/provider_pb");
const statusproto = require("@pulumi/pulumi/proto/status_pb");
const structproto = require("google-protobuf/google/protobuf/struct_pb");

export type Props = Record<string, any>;

export interface CheckFailure {
    property: string;
    reason: string;
}

export interface DiffResult {
    changes: "none" | "some" | "unknown";
    replaces: string[];
    deleteBeforeReplace: boolean;
}

/** A hook error; `partial` is set when the host reported ErrorResourceInitFailed (the object exists). */
export class HostError extends Error {
    constructor(
        readonly method: string,
        message: string,
        readonly partial?: { id: string; properties: Props; reasons: string[] },
    ) {
        super(`${method}: ${message}`);
    }
}

const toStruct = (v: Props) => structproto.Struct.fromJavaScript(v);

/** Every host process this process started and that has not exited: none may outlive the engine. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

export class ProviderHost {
    private constructor(
        private readonly child: ChildProcess,
        private readonly client: any,
        readonly deadlineMs: number,
        readonly stderr: string[],
    ) {}

    /** Starts the host with `cwd` as the program directory (where serialized `require`s resolve). */
    static async start(cwd: string, env: NodeJS.ProcessEnv = process.env, deadlineMs = 120_000): Promise<ProviderHost> {
        const entry = require.resolve("@pulumi/pulumi/cmd/dynamic-provider", { paths: [cwd] });
        const child = spawn(process.execPath, [entry, "127.0.0.1:0"], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
        running.add(child);
        child.once("exit", () => running.delete(child));
        if (!exitHookInstalled) {
            // The last safety net: whatever path ends the engine's process, its hosts end with it.
            exitHookInstalled = true;
            process.once("exit", () => ProviderHost.killAll());
        }
        const stderr: string[] = [];
        child.stderr!.on("data", (c: Buffer) => stderr.push(c.toString()));
        // A host that fails to start is ended too: no process outlives the run.
        const port = await new Promise<number>((resolve, reject) => {
            let out = "";
            const timer = setTimeout(() => reject(new Error(`provider host printed no port within 30 s: ${stderr.join("")}`)), 30_000);
            child.stdout!.on("data", (c: Buffer) => {
                out += c.toString();
                const nl = out.indexOf("\n");
                if (nl >= 0) {
                    clearTimeout(timer);
                    resolve(Number(out.slice(0, nl).replace(/[^0-9]/g, "")));
                }
            });
            child.on("error", reject);
            child.on("exit", (code) => reject(new Error(`provider host exited with ${code}: ${stderr.join("")}`)));
        }).catch((e) => {
            if (child.exitCode === null) child.kill("SIGKILL");
            throw e;
        });
        // Later stdout lines are the hooks' console output (the CLI shows them as info lines).
        child.stdout!.on("data", (c: Buffer) => {
            for (const line of c.toString().split("\n")) if (line.trim()) process.stderr.write(`info: ${line}\n`);
        });
        const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        return new ProviderHost(child, client, deadlineMs, stderr);
    }

    private rpc<T>(method: string, request: any): Promise<T> {
        return new Promise<T>((resolve, reject) => {
            const deadline = new Date(Date.now() + this.deadlineMs);
            this.client[method](request, { deadline }, (err: any, response: T) => {
                if (!err) return resolve(response);
                reject(new HostError(method, err.details ?? err.message, decodePartial(err)));
            });
        });
    }

    async configure(args: Props): Promise<void> {
        const req = new provproto.ConfigureRequest();
        req.setArgs(toStruct(args));
        await this.rpc("configure", req);
    }

    async check(urn: string, olds: Props, news: Props): Promise<{ inputs: Props; failures: CheckFailure[] }> {
        const req = new provproto.CheckRequest();
        req.setUrn(urn);
        req.setOlds(toStruct(olds));
        req.setNews(toStruct(news));
        const resp = await this.rpc<any>("check", req);
        return {
            inputs: resp.getInputs()?.toJavaScript() ?? {},
            failures: resp.getFailuresList().map((f: any) => ({ property: f.getProperty(), reason: f.getReason() })),
        };
    }

    async diff(id: string, urn: string, olds: Props, news: Props, oldInputs: Props): Promise<DiffResult> {
        const req = new provproto.DiffRequest();
        req.setId(id);
        req.setUrn(urn);
        req.setOlds(toStruct(olds));
        req.setNews(toStruct(news));
        req.setOldInputs(toStruct(oldInputs));
        const resp = await this.rpc<any>("diff", req);
        const kinds: Record<number, DiffResult["changes"]> = { 0: "unknown", 1: "none", 2: "some" };
        return { changes: kinds[resp.getChanges()] ?? "unknown", replaces: resp.getReplacesList(), deleteBeforeReplace: resp.getDeletebeforereplace() };
    }

    async create(urn: string, properties: Props): Promise<{ id: string; outputs: Props }> {
        const req = new provproto.CreateRequest();
        req.setUrn(urn);
        req.setProperties(toStruct(properties));
        const resp = await this.rpc<any>("create", req);
        return { id: resp.getId(), outputs: resp.getProperties()?.toJavaScript() ?? {} };
    }

    async read(id: string, urn: string, properties: Props, inputs: Props): Promise<{ id: string; outputs: Props; inputs?: Props }> {
        const req = new provproto.ReadRequest();
        req.setId(id);
        req.setUrn(urn);
        req.setProperties(toStruct(properties));
        req.setInputs(toStruct(inputs));
        const resp = await this.rpc<any>("read", req);
        return { id: resp.getId(), outputs: resp.getProperties()?.toJavaScript() ?? {}, inputs: resp.getInputs()?.toJavaScript() };
    }

    async update(id: string, urn: string, olds: Props, news: Props, oldInputs: Props): Promise<Props> {
        const req = new provproto.UpdateRequest();
        req.setId(id);
        req.setUrn(urn);
        req.setOlds(toStruct(olds));
        req.setNews(toStruct(news));
        req.setOldInputs(toStruct(oldInputs));
        const resp = await this.rpc<any>("update", req);
        return resp.getProperties()?.toJavaScript() ?? {};
    }

    async delete(id: string, urn: string, properties: Props, oldInputs: Props): Promise<void> {
        const req = new provproto.DeleteRequest();
        req.setId(id);
        req.setUrn(urn);
        req.setProperties(toStruct(properties));
        req.setOldInputs(toStruct(oldInputs));
        await this.rpc("delete", req);
    }

    /** Pids of the host processes still running (tests count them). */
    static runningPids(): number[] {
        return [...running].map((c) => c.pid!).filter(Boolean);
    }

    /** Ends every host at once, synchronously (an engine that must exit now). */
    static killAll(): void {
        for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    }

    get pid(): number | undefined {
        return this.child.pid;
    }

    async stop(): Promise<void> {
        this.client.close();
        if (this.child.exitCode !== null) return;
        const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
        this.child.kill("SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (this.child.exitCode === null) this.child.kill("SIGKILL");
    }
}

/** Decodes ErrorResourceInitFailed from grpc-status-details-bin (a partial failure: the object exists). */
function decodePartial(err: any): { id: string; properties: Props; reasons: string[] } | undefined {
    const bin = err?.metadata?.get?.("grpc-status-details-bin")?.[0];
    if (!bin) return undefined;
    const status = statusproto.Status.deserializeBinary(bin);
    for (const any of status.getDetailsList()) {
        if (!String(any.getTypeUrl()).endsWith("pulumirpc.ErrorResourceInitFailed")) continue;
        const detail = provproto.ErrorResourceInitFailed.deserializeBinary(any.getValue());
        return { id: detail.getId(), properties: detail.getProperties()?.toJavaScript() ?? {}, reasons: detail.getReasonsList() };
    }
    return undefined;
}
