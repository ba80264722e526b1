import { describe, expect, it } from 'vitest';
import { HELP_ORDER, USAGE, runCli } from './cli';
import { BACKTEST_HELP } from './cli/backtest-command';
import { CONFIG_HELP } from './cli/config-command';
import { DATA_HELP } from './cli/data-command';
import { MODELS_HELP } from './cli/models-command';
import { PAPER_HELP } from './cli/paper-command';

const GROUPS = { DATA_HELP, MODELS_HELP, BACKTEST_HELP, PAPER_HELP, CONFIG_HELP };

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (s) => void (out += `${s}\n`), err: (s) => void (err += `${s}\n`), env: {} });
  return { code, out, err };
}

describe('CLI help', () => {
  it('lists every command a module answers exactly once, and no command that none answers', () => {
    const answered = [...Object.values(GROUPS).flatMap((g) => Object.keys(g)), 'serve'];
    expect(new Set(answered).size, 'a command answered by two modules').toBe(answered.length);
    expect([...HELP_ORDER].sort()).toEqual([...answered].sort());
    for (const [group, help] of Object.entries(GROUPS)) {
      for (const [command, text] of Object.entries(help)) expect(text.trimStart().startsWith(command), `${group}.${command}: its help starts with another word`).toBe(true);
    }
  });

  it('prints the full help for --help, -h and a word that is no command (exit 0), and for no command at all (exit 2)', async () => {
    for (const argv of [['--help'], ['-h'], ['nosuch', '--help'], ['--json', '--help']]) {
      const r = await cli(argv);
      expect(r.code, argv.join(' ')).toBe(0);
      expect(r.out.trimEnd(), argv.join(' ')).toBe(USAGE);
    }
    const none = await cli([]);
    expect(none.code).toBe(2);
    expect(none.out.trimEnd()).toBe(USAGE);
    // Every command's block, in the listed order.
    let at = 0;
    for (const c of HELP_ORDER) {
      const next = USAGE.indexOf(`\n  ${c}`, at);
      expect(next, `${c} missing or out of order`).toBeGreaterThan(at);
      at = next;
    }
  });

  it("prints one command's help alone after the command, with the global options and exit codes", async () => {
    const r = await cli(['backtest', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('usage: quantdesk [--home DIR] [--json] backtest [options]');
    expect(r.out).toContain(BACKTEST_HELP.backtest);
    expect(r.out).not.toContain('sweep --strategy');
    expect(r.out).toContain('global options:');
    expect(r.out).toContain('exit codes: 0 success, 2 bad usage, 1 failure');
    const lake = await cli(['lake', 'delete', '-h']);
    expect(lake.code).toBe(0);
    expect(lake.out).toContain(DATA_HELP.lake);
    expect(lake.out).not.toContain('bars --symbol');
  });
});
