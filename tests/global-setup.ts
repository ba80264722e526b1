import { ensureBuilt } from '../scripts/ensure-built.mjs';

/** Integration tests run the built worker and renderer: build them first when sources changed. */
export default function setup(): void {
  ensureBuilt({ quiet: true });
}
