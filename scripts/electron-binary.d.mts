/** Path of the installed Electron executable, or undefined. */
export function electronBinary(): string | undefined;
/** Tries Electron's installer once, quietly; returns the binary path or undefined when it cannot be fetched. */
export function fetchElectronBinary(opts?: { timeoutMs?: number }): string | undefined;
