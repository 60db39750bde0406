// Mold answers in XML when a request has no `response=json` (mold-api-core.md §2). Clients should
// always ask for JSON; this keeps the simulator honest for those that forget.

function escape(text: string): string {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function element(name: string, value: any): string {
    if (value === undefined || value === null) return "";
    if (Array.isArray(value)) return value.map((v) => element(name, v)).join("");
    if (typeof value === "object") {
        return `<${name}>${Object.entries(value)
            .map(([k, v]) => element(k, v))
            .join("")}</${name}>`;
    }
    return `<${name}>${escape(String(value))}</${name}>`;
}

export function toXml(responseName: string, payload: any): string {
    return `<?xml version="1.0" encoding="UTF-8"?>${element(responseName, payload)}`;
}
