/** Every kernel source: the .wat files under core/. */
export const KERNELS: string[];
/** The generated module's path for a kernel source: tree-kernels.wat → tree-kernels-wasm.ts. */
export function generatedPath(wat: string): string;
/** The bytes of a kernel, assembled with the features the kernels use (SIMD, shared memory). */
export function assemble(wat: string): Promise<Uint8Array<ArrayBuffer>>;
/** The TypeScript module holding a kernel's bytes. */
export function moduleSource(wat: string, bytes: Uint8Array): string;
