// listHosts (admin only: ListHostsCmd is a root-admin command). Mirrors provider/client/host.ts.
import { ApiError, UNAUTHORIZED_TEXT } from "../errors";
import { matchesKeyword, render, T } from "../model";
import { hostsOfZone } from "../records/host";
import { table } from "../state";
import type { CommandSpec } from "../types";

const listHosts: CommandSpec = {
    name: "listHosts",
    handle(ctx) {
        // A role without the command fails ApiServer.verifyRequest's checkCommandAvailable: the plain 401.
        if (ctx.caller.roletype !== "Admin") throw new ApiError(401, UNAUTHORIZED_TEXT, null);
        const p = ctx.params;
        const zone = p.entity("zoneid", table(ctx.state, T.zones));
        const one = p.str("id");
        const name = p.str("name");
        const type = p.str("type");
        const keyword = p.str("keyword");
        const zones = zone ? [zone] : (Object.values(table(ctx.state, T.zones)) as any[]);
        const items = zones
            .flatMap((z) => hostsOfZone(ctx, z.id))
            .filter((h) => (!one || h.id === one) && (!name || h.name === name) && (!type || h.type.toLowerCase() === type.toLowerCase()))
            .filter((h) => matchesKeyword(keyword, h.name))
            .map((h) => render(h));
        return { list: "host", items };
    },
};

export const commands: CommandSpec[] = [listHosts];
