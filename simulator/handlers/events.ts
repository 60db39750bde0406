// listEvents (mold-api-network.md §12.5). Mirrors provider/client/events.ts.
import { invalidParam } from "../errors";
import { matchesKeyword, render, T } from "../model";
import { table } from "../state";
import type { CommandSpec } from "../types";

const LEVELS = ["INFO", "WARN", "ERROR"];

const listEvents: CommandSpec = {
    name: "listEvents",
    handle(ctx) {
        const p = ctx.params;
        const level = p.str("level");
        if (level && !LEVELS.includes(level.toUpperCase())) throw invalidParam(`Level ${level} is not valid. Valid levels are: INFO, WARN, ERROR`);
        const type = p.str("type");
        const resourceId = p.str("resourceid");
        const id = p.str("id");
        const start = p.str("startdate");
        const keyword = p.str("keyword");
        const items = Object.values(table(ctx.state, T.events))
            .filter((e: any) => (!id || e.id === id) && (!type || e.type === type) && (!level || e.level === level.toUpperCase()))
            .filter((e: any) => (!resourceId || e.resourceid === resourceId) && matchesKeyword(keyword, e.type, e.description))
            .filter((e: any) => !start || e.created >= start.replace(" ", "T"))
            .sort((a: any, b: any) => b._seq - a._seq)
            .map((e: any) => render(e));
        return { list: "event", items };
    },
};

export const commands: CommandSpec[] = [listEvents];
