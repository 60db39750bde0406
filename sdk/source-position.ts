// The source position of a pulumi-mold resource: the line of the program that made it. @pulumi/pulumi takes it from
// a stack trace, four frames above its own Resource constructor (Resource > CustomResource > the cloud's class), so
// for pulumi-mold's deeper chain (dynamic.Resource > MoldResource > the generated base > the class) it named a line
// inside this SDK. While a pulumi-mold resource registers, stack traces leave out this SDK's own frames, so the
// frame @pulumi/pulumi picks is the caller's: the program's line (or, for a resource a pulumi-mold component makes,
// the line that made the component). The full stack trace @pulumi/pulumi sends loses only those frames too.
import * as path from "path";

type PrepareStackTrace = (err: Error, frames: NodeJS.CallSite[]) => unknown;

/** Frames in `dir` (this SDK's compiled files, generated ones included) are left out. */
export function framesOutside(dir: string, frames: NodeJS.CallSite[]): NodeJS.CallSite[] {
    const prefix = dir.endsWith(path.sep) ? dir : dir + path.sep;
    return frames.filter((f) => !(f.getFileName() ?? "").startsWith(prefix));
}

/** As Node formats a stack when nothing else is installed. */
function nodeFormat(err: Error, frames: NodeJS.CallSite[]): string {
    return Error.prototype.toString.call(err) + frames.map((f) => `\n    at ${f}`).join("");
}

/**
 * Makes stack traces leave out the frames in `dir` until the returned function restores the previous formatter
 * (which keeps formatting what is left: source maps the language host installs still apply).
 */
export function hideFramesIn(dir: string): () => void {
    const previous = Error.prepareStackTrace as PrepareStackTrace | undefined;
    Error.prepareStackTrace = (err: Error, frames: NodeJS.CallSite[]) => {
        const kept = framesOutside(dir, frames);
        return previous ? previous(err, kept) : nodeFormat(err, kept);
    };
    return () => {
        (Error as { prepareStackTrace?: PrepareStackTrace }).prepareStackTrace = previous;
    };
}
