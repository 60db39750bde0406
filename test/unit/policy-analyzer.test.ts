// examples/policy-pack served for real: the pack runs as Pulumi starts it (a Node process printing its port),
// and this test speaks the analyzer protocol to it over gRPC, as the Pulumi CLI does during a preview: Analyze
// with serialized inputs (secret envelopes included), and Configure with a policy-pack config.
import test from "ava";
import { spawn } from "child_process";
import * as path from "path";
import { ensureSelfLink, repoRoot } from "../engine/self-link";
import { secretValue } from "../helpers/policy";

const grpc = require("@grpc/grpc-js");
const analyzerRpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
const analyzerProto = require("@pulumi/pulumi/proto/analyzer_pb");
const { Struct } = require("google-protobuf/google/protobuf/struct_pb");

const LEVEL = ["advisory", "mandatory", "disabled", "remediate"];
const PACK = path.join(repoRoot(), "examples", "policy-pack");
let client: any;
let pack: ReturnType<typeof spawn>;

test.before(async () => {
    ensureSelfLink(); // the pack imports "pulumi-mold/policy", as an installed pack would
    const boot = `require("ts-node").register({ transpileOnly: true, skipProject: true, compilerOptions: { module: "commonjs", target: "es2022", ignoreDeprecations: "6.0" } }); require("./index.ts");`;
    pack = spawn(process.execPath, ["-e", boot], { cwd: PACK, stdio: ["ignore", "pipe", "pipe"] });
    pack.on("error", () => undefined);
    let stderr = "";
    pack.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
    const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the pack printed no port within 60 s: ${stderr}`)), 60_000);
        pack.stdout!.on("data", (c: Buffer) => {
            const m = /^(\d+)\s*$/m.exec(c.toString());
            if (m) {
                clearTimeout(timer);
                resolve(Number(m[1]));
            }
        });
        pack.on("exit", (code) => reject(new Error(`the pack exited (${code}): ${stderr}`)));
    });
    client = new analyzerRpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});

test.after.always(() => {
    client?.close();
    pack?.kill();
});

const call = (method: string, req: any) =>
    new Promise<any>((resolve, reject) => client[method](req, { deadline: Date.now() + 30_000 }, (err: any, resp: any) => (err ? reject(err) : resolve(resp))));

/** The pack's diagnostics for one resource, as "<policy> <level>: <message>" (the runtime puts the policy's description first). */
async function analyze(kind: string, name: string, inputs: Record<string, unknown>, stack = "dev"): Promise<string[]> {
    const req = new analyzerProto.AnalyzeRequest();
    req.setType(`pulumi-nodejs:dynamic/mold:${kind}`);
    req.setName(name);
    req.setUrn(`urn:pulumi:${stack}::app::pulumi-nodejs:dynamic/mold:${kind}::${name}`);
    req.setProperties(Struct.fromJavaScript(inputs));
    req.setOptions(new analyzerProto.AnalyzerResourceOptions());
    const resp = await call("analyze", req);
    return resp
        .getDiagnosticsList()
        .map((d: any) => `${d.getPolicyname()} ${LEVEL[d.getEnforcementlevel()]}: ${d.getMessage().replace(`${d.getDescription()}\n`, "")}`);
}

test.serial("the served pack reports open SSH and its own VM policy, with their levels", async (t) => {
    const fw = await analyze("FirewallRule", "ssh", { protocol: "tcp", startPort: 22, cidrList: ["0.0.0.0/0"] });
    t.is(fw.length, 1);
    t.regex(fw[0], /^mold-admin-ports-not-world-open mandatory: .*FirewallRule opens SSH \(port 22\) to 0\.0\.0\.0\/0/);
    t.deepEqual(await analyze("FirewallRule", "https", { protocol: "tcp", startPort: 443, cidrList: ["0.0.0.0/0"] }), []);

    // Secretness is judged by remediation only (validations get secrets unwrapped): Analyze stays silent.
    t.deepEqual(await analyze("KubernetesCluster", "kc", { privateRegistry: { url: "u", username: "n", password: "p" }, controlNodes: 3 }), []);

    t.deepEqual(await analyze("VirtualMachine", "vm", { zone: "z" }), [
        "vm-has-key-pair advisory: vm: set keyPair so logins use your key, not Mold's generated password",
    ]);
});

test.serial("the pack's config changes levels and settings: a disabled policy is silent, productionStacks is read", async (t) => {
    const single = await analyze("KubernetesCluster", "kc", {}, "live-eu");
    t.deepEqual(single, [], "live-eu is not production under the default pattern");
    const req = new analyzerProto.ConfigureAnalyzerRequest();
    const map = req.getPolicyconfigMap();
    const config = (level: number, props: Record<string, unknown> = {}) => {
        const c = new analyzerProto.PolicyConfig();
        c.setEnforcementlevel(level);
        c.setProperties(Struct.fromJavaScript(props));
        return c;
    };
    map.set("mold-admin-ports-not-world-open", config(analyzerProto.EnforcementLevel.DISABLED));
    map.set("mold-single-control-plane-in-production", config(analyzerProto.EnforcementLevel.ADVISORY, { productionStacks: "^live-" }));
    await call("configure", req);
    t.deepEqual(await analyze("FirewallRule", "ssh", { protocol: "tcp", startPort: 22, cidrList: ["0.0.0.0/0"] }), []);
    const now = await analyze("KubernetesCluster", "kc", {}, "live-eu");
    t.is(now.length, 1);
    t.regex(now[0], /^mold-single-control-plane-in-production advisory: kc: KubernetesCluster has a single control-plane node on production stack "live-eu"/);
});

test.serial("the served pack's Remediate marks a plain registry password secret and leaves a secret one alone", async (t) => {
    const remediate = async (inputs: Record<string, unknown>) => {
        const req = new analyzerProto.AnalyzeRequest();
        req.setType("pulumi-nodejs:dynamic/mold:KubernetesCluster");
        req.setName("kc");
        req.setUrn("urn:pulumi:dev::app::pulumi-nodejs:dynamic/mold:KubernetesCluster::kc");
        req.setProperties(Struct.fromJavaScript(inputs));
        req.setOptions(new analyzerProto.AnalyzerResourceOptions());
        const resp = await call("remediate", req);
        return resp.getRemediationsList().map((r: any) => ({ policy: r.getPolicyname(), properties: r.getProperties()?.toJavaScript() }));
    };
    const registry = { url: "https://r.example", username: "u", password: "p" };
    t.deepEqual(await remediate({ name: "kc", privateRegistry: registry }), [
        { policy: "mold-secret-inputs-marked-secret", properties: { name: "kc", privateRegistry: secretValue(registry) } },
    ]);
    const untouched = await remediate({ name: "kc", privateRegistry: secretValue(registry) });
    t.deepEqual(
        untouched.filter((r: any) => r.properties !== undefined),
        [],
    );
});
