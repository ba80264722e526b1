#!/usr/bin/env node
// The `quantdesk` command: builds the app if needed, then runs the CLI.
import { ensureBuilt } from '../scripts/ensure-built.mjs';

ensureBuilt({ quiet: true });
const { main } = await import('../out/main/cli.js');
await main();
