// KubernetesVersion through the engine against the simulator: add, no-op up, disable and enable in place, a version
// without an ISO URL refused at preview (zero calls), refresh after an out-of-band delete, destroy; and an account
// whose role lacks the admin command gets an error naming that permission, with nothing added.
import test from "ava";
import { deleteKubernetesSupportedVersion, listKubernetesSupportedVersions } from "../../provider/client";
import { mutatingSince } from "../helpers/engine";
import { programWorld } from "../helpers/program-world";

const URL = "https://download.example/cks/1.34.2.iso";

test("KubernetesVersion: add, no-op, disable/enable in place, refused without a URL, refresh, destroy", async (t) => {
    t.timeout(600_000);
    const w = await programWorld(t, "kubernetes-version");
    const cfg = (enabled = "true", url = URL, semver = "1.34.2") => [`enabled=${enabled}`, `url=${url}`, `semver=${semver}`];
    const versions = async () => (await listKubernetesSupportedVersions(w.client)).filter((v) => v.semanticversion === "1.34.2");

    // ---- add ----
    await w.run("up", ...cfg());
    const id = w.output("versionId");
    let [v] = await versions();
    t.is(v.id, id);
    t.is(v.state, "Enabled");
    t.is(v.mincpunumber, 2);
    t.is(w.output("name"), "v1.34.2-zone1", "Mold's default name, with the zone");

    // ---- no-op up: nothing sent ----
    let before = { ...w.sim.requestCounts };
    await w.run("up", ...cfg());
    t.deepEqual(mutatingSince(before, w.sim.requestCounts), {});

    // ---- disable, then enable, in place ----
    before = { ...w.sim.requestCounts };
    await w.run("up", ...cfg("false"));
    t.deepEqual(mutatingSince(before, w.sim.requestCounts), { updateKubernetesSupportedVersion: 1 });
    [v] = await versions();
    t.is(v.id, id, "changed in place");
    t.is(v.state, "Disabled");
    t.is(w.output("state"), "Disabled");
    await w.run("up", ...cfg("true"));
    t.is((await versions())[0].state, "Enabled");

    // ---- refused at preview, nothing sent ----
    const refusals: [string[], RegExp][] = [
        [cfg("true", ""), /mold:KubernetesVersion: url is required: the URL of the Kubernetes binaries ISO/],
        [cfg("true", URL, "1.10.0"), /mold:KubernetesVersion: semanticVersion is 1\.10\.0; Mold's Kubernetes service supports 1\.11\.0 and newer/],
        [cfg("true", "ftp:/iso"), /mold:KubernetesVersion: url must be an http or https URL/],
    ];
    for (const [config, message] of refusals) {
        before = { ...w.sim.requestCounts };
        const r = await w.exec("preview", ...config);
        t.not(r.code, 0, `preview ${config.join(" ")} should fail`);
        t.regex(r.stderr + r.stdout, message);
        t.deepEqual(mutatingSince(before, w.sim.requestCounts), {}, `preview ${config.join(" ")} sent nothing that changes state`);
    }

    // ---- refresh after an out-of-band delete: gone from the state; up adds it again ----
    await deleteKubernetesSupportedVersion(w.client, id);
    await w.run("refresh", ...cfg());
    t.is(w.resource("v"), undefined);
    before = { ...w.sim.requestCounts };
    await w.run("up", ...cfg());
    t.deepEqual(mutatingSince(before, w.sim.requestCounts), { addKubernetesSupportedVersion: 1 });

    // ---- destroy ----
    await w.run("destroy", ...cfg());
    t.deepEqual(await versions(), []);
});

test("KubernetesVersion: an account whose role lacks addKubernetesSupportedVersion gets an error naming that permission", async (t) => {
    t.timeout(300_000);
    const w = await programWorld(t, "kubernetes-version");
    w.sim.simulator.state.accounts[0].roletype = "User";
    const r = await w.exec("up", "enabled=true", `url=${URL}`, "semver=1.34.2");
    t.not(r.code, 0);
    t.regex(
        r.stderr + r.stdout,
        /mold:KubernetesVersion: cannot add Kubernetes version 1\.34\.2: addKubernetesSupportedVersion is a root-admin command and this account's role lacks the permission 'addKubernetesSupportedVersion'/,
    );
    w.sim.simulator.state.accounts[0].roletype = "Admin";
    t.deepEqual(
        (await listKubernetesSupportedVersions(w.client)).filter((v) => v.semanticversion === "1.34.2"),
        [],
        "nothing added",
    );
});
