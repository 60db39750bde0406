// Starts a simulator on a free loopback port and a client pointed at it.
import { MoldClient, MoldClientOptions } from "../../provider/client";
import { RunningSimulator, ServerOptions, startSimulatorServer } from "../../simulator/server";

export interface SimAndClient {
    sim: RunningSimulator;
    client: MoldClient;
    stop(): Promise<void>;
}

export async function withSimulator(options: ServerOptions = {}, clientOptions: MoldClientOptions = {}): Promise<SimAndClient> {
    const sim = await startSimulatorServer({ port: 0, ...options });
    const client = new MoldClient({
        apiUrl: sim.url,
        apiKey: sim.apiKey,
        secretKey: sim.secretKey,
        signature: sim.signature,
        ...clientOptions,
    });
    return {
        sim,
        client,
        stop: async () => {
            client.close();
            await sim.stop();
        },
    };
}
