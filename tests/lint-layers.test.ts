import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { paths } from './helpers';

async function lint(file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: paths.root });
  const [r] = await eslint.lintText(code, { filePath: path.join(paths.root, file) });
  return r!.messages.filter((m) => m.ruleId === 'quantdesk/layers').map((m) => m.message);
}

describe('the layer import rule (DESIGN.md §3)', () => {
  it('keeps core/common free of Node, other layers and packages other than zod', async () => {
    expect(await lint('core/common/x.ts', "import fs from 'node:fs';\nexport const a = fs;")).toEqual([expect.stringMatching(/Node built-ins/)]);
    expect(await lint('core/common/x.ts', "import { Catalog } from '../node/catalog';\nexport const a = Catalog;")).toEqual([expect.stringMatching(/it is in core\/node/)]);
    expect(await lint('core/common/x.ts', "import React from 'react';\nexport const a = React;")).toEqual([expect.stringMatching(/only zod/)]);
    expect(await lint('core/common/x.ts', "import { z } from 'zod';\nimport { ApiError } from './errors';\nexport const a = [z, ApiError];")).toEqual([]);
  });

  it('keeps the renderer on core/common and UI packages only', async () => {
    expect(await lint('renderer/src/x.ts', "import { createServices } from '../../core/node/services';\nexport const a = createServices;")).toHaveLength(1);
    expect(await lint('renderer/src/x.ts', "import { ipcRenderer } from 'electron';\nexport const a = ipcRenderer;")).toHaveLength(1);
    expect(await lint('renderer/src/x.ts', "import path from 'path';\nexport const a = path;")).toHaveLength(1);
    expect(await lint('renderer/src/x.ts', "import { createClient } from '../../core/common/client';\nexport const a = createClient;")).toEqual([]);
  });

  it('lets the preload take only types from core/common, and core/node never reach up to the server', async () => {
    expect(await lint('electron/preload/x.ts', "import { ApiError } from '../../core/common/errors';\nexport const a = ApiError;")).toHaveLength(1);
    expect(await lint('electron/preload/x.ts', "import type { PreloadBridge } from '../../core/common/bridge';\nexport type A = PreloadBridge;")).toEqual([]);
    expect(await lint('core/node/x.ts', "import { startServer } from '../server/http-server';\nexport const a = startServer;")).toHaveLength(1);
  });

  it('passes on the whole tree', async () => {
    const eslint = new ESLint({ cwd: paths.root });
    const results = await eslint.lintFiles(['core', 'electron', 'renderer', 'workers']);
    const problems = results.flatMap((r) => r.messages.map((m) => `${path.relative(paths.root, r.filePath)}:${m.line} ${m.message}`));
    expect(problems).toEqual([]);
  });
});
