/** Builds the app when the build output is missing or older than any source; returns whether it built. */
export function ensureBuilt(opts?: { quiet?: boolean }): boolean;
