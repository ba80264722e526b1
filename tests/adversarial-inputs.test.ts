import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Services } from '../core/node/services';
import { backfill, call, openServices, paths, sharedData, tempDir, until } from './helpers';

const PG_KEY = 'pg-adversarial-key-0123456789';
const INFLATE_CAP = 32 << 20;

/** A zstd frame of RLE blocks: `blocks` × 128 KiB from 4 bytes each (16,384 blocks: 64 KiB in, 2 GiB out). */
function zstdBomb(blocks: number): Uint8Array {
  const out = new Uint8Array(6 + blocks * 4);
  new DataView(out.buffer).setUint32(0, 0xfd2fb528, true);
  out[5] = 7 << 3;
  for (let i = 0; i < blocks; i++) {
    const h = ((128 * 1024) << 3) | (1 << 1) | (i === blocks - 1 ? 1 : 0);
    out.set([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff, 0], 6 + i * 4);
  }
  return out;
}

const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 'A', GIT_AUTHOR_EMAIL: 'a@example.com', GIT_COMMITTER_NAME: 'A', GIT_COMMITTER_EMAIL: 'a@example.com' } }).trim();

/**
 * Hostile files and ids from outside: crafted size fields, bombs, FIFOs and devices, traversal ids
 * in a bundle, a vendor that points elsewhere or echoes the key, a model that exhausts its worker,
 * a main thread kept busy while a halt must land. Each is refused cleanly, the app keeps serving and
 * the lake and journal stay as they were.
 */
describe('adversarial: files, ids and keys from outside', () => {
  const home = tempDir('qd-adv-inputs-');
  const dir = tempDir('qd-adv-files-');
  let s: Services;
  let vendor: http.Server;
  let elsewhere: http.Server;
  const elsewhereSaw: string[] = [];
  let polygonMode: 'foreign-next' | 'echo-key' | 'huge' = 'foreign-next';
  const lakeFiles = (): string[] => {
    const out: string[] = [];
    const walk = (d: string): void => {
      if (!fs.existsSync(d)) return;
      for (const e of fs.readdirSync(d, { withFileTypes: true })) (e.isDirectory() ? walk : (f: string) => out.push(f))(path.join(d, e.name));
    };
    walk(path.join(home, 'lake', 'bronze'));
    return out.sort();
  };
  const importJob = async (paths: string[]) => {
    const { jobId } = await call(s, 'jobs.start', { kind: 'import', paths });
    await s.idle();
    return call(s, 'jobs.get', { jobId });
  };

  beforeAll(async () => {
    elsewhere = http.createServer((req, res) => {
      elsewhereSaw.push(`${req.url} ${String(req.headers.authorization)}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"OK","results":[]}');
    });
    await new Promise<void>((r) => elsewhere.listen(0, '127.0.0.1', () => r()));
    const foreign = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
    vendor = http.createServer((_req, res) => {
      // Claims 300 MiB (more than a page may be): refused from the header, before anything is read.
      if (polygonMode === 'huge') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(300 << 20) });
        return res.end('{"status":"OK","results":[');
      }
      if (polygonMode === 'echo-key') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ERROR', error: `Unknown API Key '${PG_KEY}'` }));
      const t = Date.parse('2024-03-04T14:30:00Z');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'OK', results: [{ t, o: 1, h: 1, l: 1, c: 1, v: 1 }], next_url: `${foreign}/v2/aggs/steal?cursor=2` }));
    });
    await new Promise<void>((r) => vendor.listen(0, '127.0.0.1', () => r()));
    Object.assign(process.env, { QUANTDESK_POLYGON_URL: `http://127.0.0.1:${(vendor.address() as AddressInfo).port}`, POLYGON_API_KEY: PG_KEY, QUANTDESK_MAX_INFLATE_BYTES: String(INFLATE_CAP) });
    s = await openServices(home, { threads: 1 });
    expect((await backfill(s, ['ES'], '2024-03-04', '2024-03-08')).status).toBe('succeeded');
  }, 120_000);
  afterAll(async () => {
    await s?.close();
    vendor?.close();
    elsewhere?.close();
    for (const k of ['QUANTDESK_POLYGON_URL', 'POLYGON_API_KEY', 'QUANTDESK_MAX_INFLATE_BYTES']) delete process.env[k];
  });

  it('refuses crafted DBN size fields and compression bombs, writing nothing to the lake', async () => {
    const before = lakeFiles();
    const real = fs.readFileSync(sharedData('dbn', 'test_data.ohlcv-1m.dbn'));
    expect(real.length).toBe(465);
    // Symbol length 0 and a symbol count of 0xFFFFFFFF: the decoder used to allocate four billion strings.
    const zeroLen = Buffer.from(real);
    zeroLen.writeUInt16LE(0, 53);
    zeroLen.writeUInt32LE(0xffffffff, 112);
    const hugeCount = Buffer.from(real);
    hugeCount.writeUInt32LE(0xffffffff, 112);
    const cases: [string, Uint8Array, RegExp][] = [
      ['zero-len.dbn', zeroLen, /zero-len\.dbn: symbol length 0 is outside 1–1024 \(at byte 53\)/],
      ['huge-count.dbn', hugeCount, /huge-count\.dbn: declares 4294967295 symbols, more than its \d+ remaining metadata bytes hold \(at byte 112\)/],
      ['bomb.dbn.zst', zstdBomb(16_384), /bomb\.dbn\.zst: inflates to more than 32 MiB, the limit for decompressed input.*QUANTDESK_MAX_INFLATE_BYTES/],
      ['zeros.csv.gz', zlib.gzipSync(Buffer.alloc(INFLATE_CAP * 2)), /zeros\.csv\.gz: inflates to more than 32 MiB/],
    ];
    for (const [name, bytes, re] of cases) {
      const f = path.join(dir, name);
      fs.writeFileSync(f, bytes);
      const job = await importJob([f]);
      expect(job.status, name).toBe('failed');
      expect(job.error, name).toMatch(re);
    }
    expect(lakeFiles()).toEqual(before);
    expect((await call(s, 'app.info', {})).host).toBe('headless');
  }, 60_000);

  it('refuses FIFOs, devices and folders at once wherever a path is taken, and keeps answering', async () => {
    const fifo = path.join(dir, 'trap.json');
    execFileSync('mkfifo', [fifo]);
    const fifoCsv = path.join(dir, 'trap.csv');
    execFileSync('mkfifo', [fifoCsv]);
    await expect(call(s, 'jobs.start', { kind: 'import', paths: [fifoCsv] })).rejects.toMatchObject({ code: 'invalid_argument', path: 'paths.0', message: expect.stringMatching(/trap\.csv: cannot read it \(it is a named pipe \(FIFO\); give a regular file\)/) });
    await expect(call(s, 'jobs.start', { kind: 'import', paths: ['/dev/zero'] })).rejects.toMatchObject({ path: 'paths.0', message: expect.stringMatching(/\/dev\/zero: cannot read it \(it is a device/) });
    await expect(call(s, 'models.import', { path: fifo, format: 'xgboost' })).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/trap\.json: cannot read it \(it is a named pipe/) });
    await expect(call(s, 'models.import', { path: '/dev/zero', format: 'onnx' })).rejects.toMatchObject({ message: expect.stringMatching(/it is a device/) });
    await expect(call(s, 'paper.session.start', { portfolio: fifo, from: '2024-03-04', to: '2024-03-08', speed: 'max' })).rejects.toMatchObject({ code: 'invalid_argument', path: 'portfolio', message: expect.stringMatching(/named pipe/) });
    await expect(call(s, 'backtest.strategies', {})).resolves.toBeDefined();
    await expect(call(s, 'jobs.start', { kind: 'features', set: dir })).rejects.toMatchObject({ message: expect.stringMatching(/it is a folder/) });
    // Nothing queued behind a FIFO: a job started now runs.
    expect((await backfill(s, ['ES'], '2024-03-11', '2024-03-11')).status).toBe('succeeded');
    const cli = spawnSync(process.execPath, [path.join(paths.root, 'bin', 'quantdesk.mjs'), '--home', tempDir(), 'import', fifoCsv, '--json'], { encoding: 'utf8', timeout: 60_000 });
    expect(cli.status).toBe(2);
    expect(JSON.parse(cli.stdout).error.message).toMatch(/named pipe/);
  }, 120_000);

  it('refuses model files whose sizes would exhaust memory: num_feature 1e9, max_feature_idx 999999999', async () => {
    const xgb = JSON.parse(fs.readFileSync(path.join(paths.root, 'tests/fixtures/models/xgb-binary.json'), 'utf8')) as { learner: { learner_model_param: { num_feature: string }; feature_names?: string[] } };
    xgb.learner.learner_model_param.num_feature = '1000000000';
    delete xgb.learner.feature_names;
    fs.writeFileSync(path.join(dir, 'wide.json'), JSON.stringify(xgb));
    await expect(call(s, 'models.import', { path: path.join(dir, 'wide.json') })).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/wide\.json: learner_model_param\.num_feature is 1000000000; expected a whole number of features from 1 to 100000/) });
    const lgb = fs.readFileSync(path.join(paths.root, 'tests/fixtures/models/lgb-binary.txt'), 'utf8').replace(/^max_feature_idx=\d+$/m, 'max_feature_idx=999999999');
    fs.writeFileSync(path.join(dir, 'wide.txt'), lgb);
    await expect(call(s, 'models.import', { path: path.join(dir, 'wide.txt') })).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/wide\.txt: max_feature_idx=999999999 claims 1000000000 features/) });
    expect(await call(s, 'models.list', {})).toEqual([]);
  });

  it('refuses a FIFO on every command that reads a file a user names, writing nothing', async () => {
    const yml = path.join(dir, 'trap.yml');
    execFileSync('mkfifo', [yml]);
    const csv = path.join(dir, 'trap-input.csv');
    execFileSync('mkfifo', [csv]);
    const out = path.join(dir, 'never-written.csv');
    // Commands that write need the home's lock, which this suite's services hold: a home of their own.
    const cliHome = tempDir('qd-adv-cli-');
    const qd = (args: string[]) => spawnSync(process.execPath, [path.join(paths.root, 'bin', 'quantdesk.mjs'), '--home', cliHome, ...args], { encoding: 'utf8', timeout: 60_000 });
    expect(qd(['backfill', '--source', 'demo', '--symbols', 'ES', '--from', '2024-03-04', '--to', '2024-03-05']).status).toBe(0);
    const imported = qd(['models', 'import', path.join(paths.root, 'tests/fixtures/models/xgb-binary.json'), '--name', 'fifo-check']);
    expect(imported.status).toBe(0);
    expect(imported.stdout).toMatch(/^fifo-check@1: xgboost binary model reading ibs, rsi_14, roc_4, atr_14; predicts from its output p\n/);
    const commands = [
      ['features', 'compute', '--input', csv, '--features', 'ibs', '--out', out],
      ['predict', '--model', 'fifo-check', '--input', csv, '--out', out],
      ['train', '--config', yml],
      ['features', 'build', '--set', yml],
      ['backtest', '--strategy', yml, '--symbols', 'ES'],
      ['backtest', '--strategy', 'ibs', '--symbols', 'ES', '--factors', csv],
    ];
    for (const args of commands) {
      const r = qd(args);
      expect(r.signal, args.join(' ')).toBeNull();
      expect(r.status, args.join(' ')).not.toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(/trap(-input)?\.(yml|csv): cannot read it \(it is a named pipe \(FIFO\); give a regular file\)/);
    }
    expect(fs.existsSync(out)).toBe(false);
  }, 180_000);

  it('a file that would exhaust its worker is refused before parsing, and a worker that runs out fails its job, not the app', async () => {
    const small = tempDir('qd-adv-oom-');
    process.env.QUANTDESK_WORKER_HEAP_MB = '64';
    const t = await openServices(small, { threads: 1 });
    delete process.env.QUANTDESK_WORKER_HEAP_MB;
    try {
      // Eight million values to build: more than a 64 MiB worker can hold, refused from the text alone.
      const names = path.join(dir, 'names.json');
      fs.writeFileSync(names, `{"learner":{"objective":{"name":"binary:logistic"},"feature_names":[${'{"a":1},'.repeat(4_000_000)}{}]}}`);
      await expect(call(t, 'models.import', { path: names })).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/names\.json: reading this JSON model would take about .* of memory \([\d,]+ values\), more than the 16 MiB an import may use/) });
      // Two million bad lines make two million reject records: the import's worker runs out and is stopped.
      const bad = path.join(dir, 'bad-lines.csv');
      fs.writeFileSync(bad, `time,close\n${'2024-01-02 10:00:00,not-a-price\n'.repeat(2_000_000)}`);
      const { jobId } = await call(t, 'jobs.start', { kind: 'import', paths: [bad] });
      await t.idle();
      const job = await call(t, 'jobs.get', { jobId });
      expect(job.status).toBe('failed');
      expect(job.error).toMatch(/the job needed more than the 64 MiB a worker may use/);
      expect((await call(t, 'app.info', {})).home).toBe(small);
      // Both workers are replaced: the next import of each kind runs.
      expect(await call(t, 'models.import', { path: path.join(paths.root, 'tests/fixtures/models/xgb-binary.json') })).toMatchObject({ id: 'xgb-binary', version: 1 });
      expect((await backfill(t, ['ES'], '2024-03-04', '2024-03-04')).status).toBe('succeeded');
    } finally {
      await t.close();
    }
  }, 180_000);

  it('answers the killswitch while a large model is parsed: the import runs off the main thread', async () => {
    // 400 trees of depth 8 written as XGBoost JSON: a file of tens of MB to parse and convert.
    const trees = Array.from({ length: 400 }, () => {
      const n = 511;
      const left = Array.from({ length: n }, (_, k) => (k < 255 ? 2 * k + 1 : -1));
      const right = Array.from({ length: n }, (_, k) => (k < 255 ? 2 * k + 2 : -1));
      return { left_children: left, right_children: right, split_indices: left.map((_, k) => k % 8), split_conditions: left.map((_, k) => (k % 13) / 13), default_left: left.map(() => 1), split_type: left.map(() => 0) };
    });
    const f = path.join(dir, 'big.json');
    fs.writeFileSync(f, JSON.stringify({ learner: { objective: { name: 'binary:logistic' }, learner_model_param: { num_feature: '8', base_score: '0.5' }, gradient_booster: { name: 'gbtree', model: { trees } } } }));
    const done: string[] = [];
    const importing = call(s, 'models.import', { path: f, name: 'big' }).then(() => done.push('import'));
    await new Promise((r) => setImmediate(r));
    const ks = call(s, 'paper.killswitch.get', {}).then(() => done.push('killswitch'));
    await Promise.all([importing, ks]);
    expect(done).toEqual(['killswitch', 'import']);
  }, 120_000);

  it('a halt written by the CLI reaches a running session while the main thread is blocked', async () => {
    const file = path.join(dir, 'es.json');
    const params = { entry_below: 0.3, exit_above: 0.7, max_bars: 5, allow_short: 0 };
    fs.writeFileSync(file, JSON.stringify({ instruments: [{ name: 'ES', symbol: 'ES', run: 'by hand', strategy: 'ibs', params, timeframe: '1m', model: null, threshold: null }], maxPositions: 1, sizing: { kind: 'fixed', contracts: 1 }, riskLimits: {}, objective: 'sharpe', split: '2024-03-06' }));
    await call(s, 'paper.killswitch.set', { state: 'active', reason: 'armed for the blocked-main test' });
    const started = await call(s, 'paper.session.start', { portfolio: file, from: '2024-03-04', to: '2024-03-08', speed: 3000 });
    await until(async () => ((x) => (x && x.bars > 20 ? x : undefined))((await call(s, 'paper.sessions', {})).find((x) => x.id === started.id)), 'the session to trade');
    // From here the main thread does not return to its event loop: the supervisor cannot pass the halt on.
    const cli = spawnSync(process.execPath, [path.join(paths.root, 'bin', 'quantdesk.mjs'), '--home', home, 'killswitch', 'halt', '--reason', 'halt while the app is busy', '--json'], { encoding: 'utf8' });
    expect(cli.status, cli.stderr).toBe(0);
    const db = new Database(path.join(home, 'journal.sqlite'), { readonly: true });
    try {
      const halt = db.prepare("SELECT seq, at FROM killswitch_audit WHERE reason = 'halt while the app is busy'").get() as { seq: number; at: number };
      const enforced = db.prepare("SELECT at, pos FROM paper_events WHERE session = ? AND kind = 'killswitch' AND json_extract(data, '$.seq') = ?");
      let row: { at: number; pos: number } | undefined;
      for (const end = Date.now() + 5000; !row && Date.now() < end; ) row = enforced.get(started.id, halt.seq) as typeof row;
      expect(row, 'the session enforced the halt on its own').toBeDefined();
      // Nothing was ordered or filled after the session enforced it.
      const later = db.prepare("SELECT count(*) AS n FROM paper_events WHERE session = ? AND kind IN ('order', 'fill') AND pos > ?").get(started.id, row!.pos) as { n: number };
      expect(later.n).toBe(0);
    } finally {
      db.close();
    }
    await call(s, 'paper.session.control', { session: started.id, action: 'stop' });
    await call(s, 'paper.killswitch.set', { state: 'active', reason: 're-armed by a person after the test' });
  }, 120_000);

  it('refuses a bundle whose names lead outside their folders, writing nothing', async () => {
    const repo = path.join(dir, 'evil-repo');
    const escape = path.join(dir, 'escaped');
    const deep = path.relative(path.join(home, 'lake', 'gold', 'portfolios'), escape);
    const bundle = (files: Record<string, string>): void => {
      fs.rmSync(repo, { recursive: true, force: true });
      fs.mkdirSync(path.join(repo, 'quantdesk'), { recursive: true });
      git(repo, 'init', '--quiet');
      fs.writeFileSync(path.join(repo, 'quantdesk', 'quantdesk.yml'), 'format: 1\n');
      for (const [p, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(repo, 'quantdesk', p)), { recursive: true });
        fs.writeFileSync(path.join(repo, 'quantdesk', p), text);
      }
      git(repo, 'add', '-A');
      git(repo, 'commit', '--quiet', '-m', 'evil');
    };
    bundle({ 'portfolio.yml': `id: ${deep}\ninstruments: []\nmax_positions: 1\nobjective: sharpe\nsplit: '2024-01-01'\n` });
    await expect(call(s, 'config.import', { repo })).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/portfolio\.yml: ".*escaped" is not a portfolio id/) });
    bundle({ 'models/manifest.json': JSON.stringify({ models: [{ id: '../../../escaped', version: 1, sha256: 'x', artifact: null }] }) });
    await expect(call(s, 'config.import', { repo })).rejects.toThrow(/models\/manifest\.json: "\.\.\/\.\.\/\.\.\/escaped" is not a model id/);
    bundle({ 'models/manifest.json': JSON.stringify({ models: [{ id: 'fine', version: '1/../../x', sha256: 'x', artifact: null }] }) });
    await expect(call(s, 'config.import', { repo })).rejects.toThrow(/has version 1\/\.\.\/\.\.\/x, not a whole number/);
    bundle({ 'strategies/..yml': 'name: x\n', 'features/ok.yml': 'name: ok\n' });
    await expect(call(s, 'config.import', { repo })).rejects.toThrow(/strategies\/\.\.yml: "\." is not a strategy config name/);
    // A blob larger than any bundle file is refused from its size, before it is read.
    bundle({ 'features/huge.yml': `name: huge\n#${'x'.repeat(5 << 20)}\n`, 'features/ok.yml': 'name: ok\n' });
    await expect(call(s, 'config.import', { repo })).rejects.toThrow(/quantdesk\/features\/huge\.yml at [0-9a-f]{12} is \d+ bytes, more than a bundle file may be \(4194304\)/);
    expect(fs.existsSync(escape)).toBe(false);
    expect(fs.existsSync(path.join(home, 'feature-sets', 'ok.yml'))).toBe(false);
    // A stored portfolio is named by its id only.
    await expect(call(s, 'paper.session.start', { portfolio: '../../../../etc', from: '2024-03-04', to: '2024-03-08', speed: 'max' })).rejects.toMatchObject({ path: 'portfolio', message: expect.stringMatching(/give a stored portfolio's id/) });
  }, 60_000);

  it('follows vendor pages only on the vendor’s own origin, and never shows a key a vendor echoes', async () => {
    const job = async () => {
      const { jobId } = await call(s, 'jobs.start', { kind: 'backfill', source: 'polygon', symbols: ['MSFT'], timeframe: '1m', from: '2024-03-04', to: '2024-03-04' });
      await s.idle();
      return call(s, 'jobs.get', { jobId });
    };
    polygonMode = 'foreign-next';
    const foreign = await job();
    expect(foreign.status).toBe('failed');
    expect(foreign.error).toMatch(/the next page is on another host \(http:\/\/127\.0\.0\.1:\d+\/v2\/aggs\/steal\); Quantdesk follows pages only on http:\/\/127\.0\.0\.1:\d+, where the key belongs/);
    expect(elsewhereSaw).toEqual([]);
    polygonMode = 'echo-key';
    const echoed = await job();
    expect(echoed.status).toBe('failed');
    expect(echoed.error).toMatch(/Polygon: Unknown API Key '\*\*\*'/);
    expect(JSON.stringify(await call(s, 'jobs.list', { all: true }))).not.toContain(PG_KEY);
    polygonMode = 'huge';
    const huge = await job();
    expect(huge.status).toBe('failed');
    expect(huge.error).toMatch(/Polygon MSFT: the answer is over 256 MiB; ask for a shorter range/);
  }, 60_000);
});
