import type { Catalog } from '../catalog';

/** Execution providers a user may ask for. */
export const PROVIDERS = ['cpu', 'coreml', 'webgpu', 'cuda', 'dml'] as const;
export type Provider = (typeof PROVIDERS)[number];

/**
 * The providers to try, fastest first, for a platform: CoreML then WebGPU on Apple Silicon, CUDA then
 * WebGPU on Linux, DirectML on Windows; the CPU always last.
 */
export function providersFor(platform: string, arch: string): Provider[] {
  if (platform === 'darwin' && arch === 'arm64') return ['coreml', 'webgpu', 'cpu'];
  if (platform === 'linux') return ['cuda', 'webgpu', 'cpu'];
  if (platform === 'win32') return ['dml', 'cpu'];
  return ['cpu'];
}

/** The catalog setting holding the default execution provider ('auto' when unset). */
export const PROVIDER_SETTING = 'inference.provider';

/** The execution provider inference uses unless a call names one: the stored setting, else 'auto'. */
export function defaultProvider(catalog: Catalog): Provider | 'auto' {
  const v = catalog.getSetting(PROVIDER_SETTING);
  return v !== undefined && (PROVIDERS as readonly string[]).includes(v) ? (v as Provider) : 'auto';
}
