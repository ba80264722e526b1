import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { paths, tempDir } from './helpers';

const BIN = path.join(paths.root, 'bin', 'quantdesk.mjs');

function qd(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, QUANTDESK_HOME: '' }, timeout: 120_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe('quantdesk options: chains, gamma exposure and the same-contract check from the command line', () => {
  const home = tempDir();

  it('backfills the demo chains of a roll week and prints the chain, the GEX profile and the QA report', () => {
    const bf = qd(['--home', home, 'backfill', '--source', 'demo', '--symbols', 'ES', '--from', '2026-09-09', '--to', '2026-09-10', '--schema', 'options']);
    expect(bf.code, bf.err).toBe(0);
    expect(bf.out.trim().split('\n').at(-1)).toMatch(/^[\d,]+ new options records, 0 already present$/);

    const chain = qd(['--home', home, 'options', 'chain', '--symbol', 'ES', '--at', '2026-09-09T15:00:00Z']);
    expect(chain.code, chain.err).toBe(0);
    const lines = chain.out.split('\n');
    expect(lines[0]).toBe('ES 2026-09-09T15:00:00.000Z · session 2026-09-09 · options on ESU6 · rate 0.05 · quotes ≤ 120 s old');
    expect(lines[2]).toMatch(/^expiry 2026-09-09T20:00:00.000Z · F \d+\.\d\d \(put–call parity\) · T 5\.00 h$/);
    expect(lines[3]!.split(/\s+/)).toEqual(['strike', 'call', 'bid', 'ask', 'iv', 'delta', 'gamma', 'oi', 'put', 'bid', 'ask', 'iv', 'delta', 'gamma', 'oi']);
    // 61 strikes, then what was left out and why.
    expect(lines.slice(4, 65).every((l) => /^\d{4}\s/.test(l))).toBe(true);
    expect(lines[65]).toMatch(/^\d+ quotes left out: .*no bid/);

    const json = JSON.parse(qd(['--home', home, '--json', 'options', 'chain', '--symbol', 'ES', '--at', '2026-09-09T15:00:00Z']).out) as { chains: { strikes: number[]; calls: { iv: (number | null)[] } }[] };
    expect(json.chains[0]!.strikes).toHaveLength(61);

    const gex = qd(['--home', home, 'options', 'gex', '--symbol', 'ES', '--at', '2026-09-09T15:00:00Z']);
    expect(gex.code).toBe(0);
    expect(gex.out).toMatch(/^strike\s+GEX \$\/1%/m);
    expect(gex.out).toMatch(/^\d{4}\s+-?\d+\.\d\dM\s+[+-]#+$/m);

    // The 10th is roll week: futures on ESZ6, the day's options still on ESU6. The check fails with exit code 1.
    const qa = qd(['--home', home, 'options', 'qa', '--symbol', 'ES']);
    expect(qa.code).toBe(1);
    expect(qa.out).toMatch(/^2026-09-10\s+ESZ6\s+ESU6\s+MISMATCH$/m);
    expect(qa.out).toMatch(/1 of 2 sessions have options on another contract than their futures/);
    const rolled = qd(['--home', home, 'options', 'chain', '--symbol', 'ES', '--at', '2026-09-10T15:00:00Z']);
    expect(rolled.out).toContain('options on ESZ6 (left out: ESU6, not the front contract)');
    expect(rolled.out).toContain('no options of the front contract expire within the chosen days');
  });

  it('names the option at fault in a bad command line', () => {
    expect(qd(['--home', home, 'options', 'smile', '--symbol', 'ES']).err).toContain('options: expected `options chain`, `options gex` or `options qa`');
    expect(qd(['--home', home, 'options', 'chain', '--symbol', 'ES']).err).toContain('--at: required');
    const bad = qd(['--home', home, 'options', 'chain', '--symbol', 'ES', '--at', '2026-09-09T15:00:00Z', '--max-age', '0']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--max-age: at least 1 second');
    expect(qd(['--home', home, 'options', 'chain', '--symbol', 'ES', '--at', 'noon']).err).toContain('--at: expected YYYY-MM-DD or an ISO date-time');
    expect(qd(['--home', home, 'options', 'gex', '--symbol', 'ES', '--at', '2026-09-09T15:00:00Z', '--rate', 'five']).err).toContain('--rate: expected a number, got five');
  });
});
