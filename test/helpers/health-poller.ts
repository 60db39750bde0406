// /healthz polled through a kubeconfig while an up runs: each poll is a new connection (kget uses no agent),
// so through a load balancer each lands on the next member; every failure is kept for the test to assert on.
import type { ExecutionContext } from "ava";
import { kget, readKubeconfig } from "./kube-get";

/** Polls every `intervalMs` (default 50) until stopped, at the latest when the test ends or after five minutes. */
export function healthPoller(t: ExecutionContext, kubeconfig: string, intervalMs = 50) {
    const kc = readKubeconfig(kubeconfig);
    let polling = true;
    let polls = 0;
    const failures: string[] = [];
    const done = (async () => {
        const deadline = Date.now() + 300_000;
        while (polling && Date.now() < deadline) {
            polls++;
            await kget(kc, "/healthz").then(
                (r) => (r.status === 200 ? undefined : failures.push(`HTTP ${r.status} ${r.body}`)),
                (e) => failures.push((e as Error).message),
            );
            await new Promise((r) => setTimeout(r, intervalMs));
        }
    })();
    t.teardown(() => {
        polling = false;
        return done;
    });
    return {
        async stop() {
            polling = false;
            await done;
            return { polls, failures };
        },
    };
}
