// The console's HTML: one server-rendered page (readable without JavaScript) whose tiny inline script fetches the
// <main> part again every second, so the page follows the simulator live. No external resource is referenced.
import type { ConsoleTable, ConsoleView } from "./view";

/** Path of the page, of its <main> fragment (polled by the script) and of its data as JSON. */
export const CONSOLE_PATH = "/console";
export const CONSOLE_MAIN_PATH = "/console/main";
export const CONSOLE_DATA_PATH = "/console/data.json";
export const POLL_MS = 1000;

export function escapeHtml(value: string): string {
    return value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

const slug = (value: string) => value.toLowerCase().replace(/[^a-z0-9]+/g, "-");

function stateBadge(state: string): string {
    const kind = /^(running|ready|allocated|active|enabled|implemented|succeeded|add)$/i.test(state)
        ? "ok"
        : /error|fail|alert|destroy|notready/i.test(state)
          ? "bad"
          : "busy";
    return `<span class="state state-${kind}">${escapeHtml(state)}</span>`;
}

function renderTable(t: ConsoleTable, stateColumn = t.headers.indexOf("State")): string {
    if (t.rows.length === 0) return `<p class="empty">${escapeHtml(t.caption)}: none.</p>`;
    const head = t.headers.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join("");
    const body = t.rows
        .map(
            (r) =>
                `<tr>${r.map((cell, i) => (i === 0 ? `<th scope="row">` : "<td>") + (i === stateColumn && cell ? stateBadge(cell) : escapeHtml(cell)) + (i === 0 ? "</th>" : "</td>")).join("")}</tr>`,
        )
        .join("\n");
    return `<table><caption>${escapeHtml(t.caption)}</caption><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function section(id: string, title: string, body: string): string {
    return `<section aria-labelledby="${id}"><h2 id="${id}">${escapeHtml(title)}</h2>\n${body}\n</section>`;
}

/** The <main> content: every section, in the order of the navigation. */
export function renderConsoleMain(view: ConsoleView): string {
    const clusters = view.clusters.length
        ? view.clusters
              .map((c) => {
                  const id = `cluster-${slug(c.id)}`;
                  const details = c.details.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${k === "State" ? stateBadge(v) : escapeHtml(v)}</dd>`).join("");
                  const tabs = c.tabs.map((t) => `<h4>${escapeHtml(t.caption.replace(/ of .*$/, ""))}</h4>\n${renderTable(t)}`).join("\n");
                  return (
                      `<article class="cluster" aria-labelledby="${id}" data-cluster="${escapeHtml(c.name)}" data-state="${escapeHtml(c.state)}">` +
                      `<h3 id="${id}">${escapeHtml(c.name)} ${stateBadge(c.state)}</h3>\n<h4>Details</h4><dl>${details}</dl>\n${tabs}</article>`
                  );
              })
              .join("\n")
        : `<p class="empty">No Kubernetes clusters.</p>`;
    const ips = view.publicIps.length
        ? view.publicIps
              .map(
                  (ip) =>
                      `<article aria-label="Public IP ${escapeHtml(ip.address)}"><h3>${escapeHtml(ip.address)} <small>${escapeHtml(ip.summary)}</small></h3>` +
                      (ip.rules.length ? ip.rules.map((t) => renderTable(t)).join("\n") : `<p class="empty">No rules.</p>`) +
                      `</article>`,
              )
              .join("\n")
        : `<p class="empty">No public IPs.</p>`;
    const nodes = view.emulatedNodes.length
        ? view.emulatedNodes
              .map((n) => `<article><h3>${escapeHtml(n.name)} <small>${escapeHtml(n.summary)}</small></h3>${renderTable(n.history, 2)}</article>`)
              .join("\n")
        : `<p class="empty">No emulated SSH nodes.</p>`;
    const kubeadm = view.kubeadmClusters.length
        ? view.kubeadmClusters
              .map((k) => `<article><h3>${escapeHtml(k.id)} <small>${escapeHtml(k.summary)}</small></h3>${renderTable(k.nodes, 2)}</article>`)
              .join("\n")
        : `<p class="empty">No kubeadm clusters.</p>`;
    return [
        `<p class="now">Simulated time <time datetime="${escapeHtml(view.now)}">${escapeHtml(view.now)}</time></p>`,
        section("clusters", "Kubernetes clusters", clusters),
        section("jobs", "Async jobs", renderTable(view.jobs, 1)),
        section("vms", "Virtual machines", renderTable(view.vms)),
        section("public-ips", "Public IPs and their rules", ips),
        section("networks", "Networks", renderTable(view.networks)),
        section("ssh-nodes", "Emulated SSH nodes", nodes),
        section("kubeadm", "kubeadm clusters", kubeadm),
        section("catalog", "Zones and catalog", view.catalog.map((t) => renderTable(t)).join("\n")),
    ].join("\n");
}

const NAV: [string, string][] = [
    ["clusters", "Clusters"],
    ["jobs", "Jobs"],
    ["vms", "VMs"],
    ["public-ips", "Public IPs"],
    ["networks", "Networks"],
    ["ssh-nodes", "SSH nodes"],
    ["kubeadm", "kubeadm"],
    ["catalog", "Catalog"],
];

const STYLE = `
:root{--fg:#1d2330;--muted:#5b6475;--line:#d9dee8;--bg:#f5f7fa;--head:#1f3b63;--ok:#17693b;--okbg:#dcf3e5;--busy:#7a4d00;--busybg:#fdf0d2;--bad:#9b1c1c;--badbg:#fbe0e0}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,sans-serif;color:var(--fg);background:var(--bg)}
header{background:var(--head);color:#fff;padding:.6rem 1.2rem;display:flex;align-items:baseline;gap:1rem;flex-wrap:wrap}
header h1{font-size:1.15rem;margin:0}header p{margin:0;color:#c9d6ea}
nav ul{list-style:none;margin:0;padding:.4rem 1.2rem;display:flex;gap:1rem;flex-wrap:wrap;background:#fff;border-bottom:1px solid var(--line)}
nav a{color:var(--head);text-decoration:none;font-weight:600}nav a:hover,nav a:focus{text-decoration:underline}
main{padding:0 1.2rem 2rem;max-width:1200px}h2{font-size:1.1rem;margin:1.4rem 0 .5rem;color:var(--head)}
h3{font-size:1rem;margin:.2rem 0 .5rem}h3 small{font-weight:normal;color:var(--muted)}h4{margin:.8rem 0 .3rem;font-size:.9rem;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
article{background:#fff;border:1px solid var(--line);border-radius:6px;padding:.7rem 1rem;margin:.6rem 0}
table{border-collapse:collapse;width:100%;background:#fff;margin:.3rem 0 .6rem}caption{text-align:left;font-weight:600;padding:.2rem 0;color:var(--muted)}
th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}thead th{background:#eef1f6}tbody th{font-weight:600}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;margin:0}dt{color:var(--muted)}dd{margin:0}
.state{display:inline-block;padding:0 .45rem;border-radius:9px;font-size:.85em;font-weight:600}
.state-ok{color:var(--ok);background:var(--okbg)}.state-busy{color:var(--busy);background:var(--busybg)}.state-bad{color:var(--bad);background:var(--badbg)}
section[aria-labelledby="jobs"] td:nth-child(n+4){white-space:nowrap}
.empty{color:var(--muted);font-style:italic}.now{color:var(--muted);margin:.6rem 0 0}
`;

// Re-fetches <main> every POLL_MS and swaps it only when it changed; a failed fetch (simulator stopped) shows in
// the status line and polling goes on.
const SCRIPT = `(function(){var main=document.getElementById("console-main"),status=document.getElementById("live-status"),last=main.innerHTML;
function tick(){fetch(${JSON.stringify(CONSOLE_MAIN_PATH)},{cache:"no-store"}).then(function(r){if(!r.ok)throw new Error("HTTP "+r.status);return r.text()}).then(function(html){
if(html!==last){main.innerHTML=html;last=html}status.textContent="Live: updated "+new Date().toLocaleTimeString()}).catch(function(e){status.textContent="Not updating: "+e.message})
.then(function(){setTimeout(tick,${POLL_MS})})}status.textContent="Live";setTimeout(tick,${POLL_MS})})();`;

/** The whole page. */
export function renderConsolePage(view: ConsoleView): string {
    const nav = NAV.map(([id, label]) => `<li><a href="#${id}">${label}</a></li>`).join("");
    return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mold simulator console</title><style>${STYLE}</style></head>
<body>
<header><h1>Mold simulator console</h1><p>Read-only view of the local Mold simulator. <span id="live-status">Snapshot (reload to refresh)</span></p></header>
<nav aria-label="Sections"><ul>${nav}</ul></nav>
<main id="console-main">
${renderConsoleMain(view)}
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
