// Placeholder: commands are added by the module's owner.
import type { CommandSpec, JobCompleter } from "../types";

export const commands: CommandSpec[] = [];
export const jobs: Record<string, JobCompleter> = {};
