// One VM's SSH endpoint: publickey authentication against the VM's key pairs, the VM's host key, and exec
// channels that run bootstrap steps. The TCP side is ours (ssh2 gets injected sockets), so a boot delay can
// reset a connection before the handshake and a drop can cut one mid-step.
import * as net from "net";
import { Connection, ParsedKey, Server as SshServer, ServerChannel } from "ssh2";
import { T } from "../model";
import type { Simulator } from "../simulator";
import { parseStepCommand, scriptEnv, scriptStepName } from "./command";
import { authorizedKeys } from "./keys";
import { StepRunner } from "./runner";

export interface NodeServerOptions {
    sim: Simulator;
    runner: StepRunner;
    vmId: string;
    hostKey: string;
    /** Whether connections are reset now (the VM is still booting). */
    booting: () => boolean;
    /**
     * A direct-tcpip request (the client uses this VM as a jump host): a socket to destIP:destPort as this
     * VM would reach it on its guest network, or undefined when nothing answers there.
     */
    forward?: (destIP: string, destPort: number) => Promise<net.Socket | undefined>;
}

export interface NodeServer {
    server: net.Server;
    sockets: Set<net.Socket>;
}

const MAX_SCRIPT_BYTES = 4 * 1024 * 1024;

export function createNodeServer(opts: NodeServerOptions): NodeServer {
    const sockets = new Set<net.Socket>();
    const byRemotePort = new Map<number, net.Socket>();
    const ssh = new SshServer({ hostKeys: [opts.hostKey], ident: "OpenSSH_9.2p1 Debian-2+deb12u3" }, (client, info) => {
        const socket = byRemotePort.get(info.port);
        serveClient(opts, client, () => socket?.destroy());
    });
    ssh.on("error", () => undefined);
    const server = net.createServer((socket) => {
        socket.on("error", () => undefined);
        if (opts.booting()) {
            // sshd is not up yet: the kernel answers with a reset.
            socket.resetAndDestroy();
            return;
        }
        sockets.add(socket);
        const port = socket.remotePort ?? -1;
        byRemotePort.set(port, socket);
        socket.on("close", () => {
            sockets.delete(socket);
            if (byRemotePort.get(port) === socket) byRemotePort.delete(port);
        });
        ssh.injectSocket(socket);
    });
    return { server, sockets };
}

function serveClient(opts: NodeServerOptions, client: Connection, cut: () => void): void {
    let user = "";
    client.on("error", () => undefined);
    client.on("authentication", (ctx) => {
        user = ctx.username;
        if (ctx.method !== "publickey") return ctx.reject(["publickey"]);
        const vm = (opts.sim.refreshState().tables[T.vms] ?? {})[opts.vmId];
        const key = vm ? authorizedKeys(opts.sim.state, vm).find((k: ParsedKey) => k.getPublicSSH().equals(ctx.key.data)) : undefined;
        if (!key) return ctx.reject(["publickey"]);
        // Without a signature the client only asks whether the key would do.
        if (!ctx.signature) return ctx.accept();
        if (!ctx.blob || key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) return ctx.reject(["publickey"]);
        ctx.accept();
    });
    client.on("ready", () => {
        client.on("tcpip", (accept, reject, info) => {
            const open = opts.forward ? opts.forward(info.destIP, info.destPort) : Promise.resolve(undefined);
            open.then(
                (socket) => {
                    if (!socket) return reject?.();
                    const channel = accept();
                    channel.on("error", () => undefined);
                    socket.on("error", () => channel.destroy());
                    channel.pipe(socket).pipe(channel);
                    socket.on("close", () => channel.destroy());
                    channel.on("close", () => socket.destroy());
                },
                () => reject?.(),
            );
        });
        client.on("session", (accept) => {
            const session = accept();
            session.on("error", () => undefined);
            session.on("pty", (_accept, reject) => reject?.());
            session.on("shell", (_accept, reject) => reject?.());
            session.on("sftp", (_accept, reject) => reject?.());
            session.on("subsystem", (_accept, reject) => reject?.());
            session.on("exec", (acceptExec, _reject, info) => {
                const channel = acceptExec();
                channel.on("error", () => undefined);
                handleExec(opts, channel, info.command, user, cut);
            });
        });
    });
}

function reply(channel: ServerChannel, exitCode: number, stdout: string, stderr: string): void {
    try {
        if (stdout) channel.write(stdout);
        if (stderr) channel.stderr.write(stderr);
        channel.exit(exitCode);
        channel.end();
    } catch {
        // the client went away meanwhile
    }
}

function handleExec(opts: NodeServerOptions, channel: ServerChannel, command: string, user: string, cut: () => void): void {
    const parsed = parseStepCommand(command);
    if (!parsed) return simpleCommand(channel, command);
    const chunks: Buffer[] = [];
    let size = 0;
    channel.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_SCRIPT_BYTES) chunks.push(chunk);
    });
    channel.once("end", () => {
        const script = Buffer.concat(chunks).toString("utf8");
        opts.runner
            .run({ vmId: opts.vmId, user, step: parsed.step, env: { ...parsed.env, ...scriptEnv(script) }, scriptStep: scriptStepName(script) })
            .then((answer) => {
                if (answer.kind === "drop") cut();
                else reply(channel, answer.exitCode, answer.stdout, answer.stderr);
            })
            .catch((e: Error) => reply(channel, 70, "", `pulumi-mold simulator: ${e.message}\n`));
    });
}

/** Not a bootstrap step: a few harmless commands, everything else is not found, as bash would say. */
function simpleCommand(channel: ServerChannel, command: string): void {
    const words = command.trim().split(/\s+/);
    if (command.trim() === "true") return reply(channel, 0, "", "");
    if (words[0] === "echo") return reply(channel, 0, words.slice(1).join(" ") + "\n", "");
    reply(channel, 127, "", `bash: ${words[0] ?? ""}: command not found\n`);
}
