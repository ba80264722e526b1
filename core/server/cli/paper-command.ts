import path from 'node:path';
import type { ArgOf } from '../../common/api';
import { ApiError } from '../../common/errors';
import type { KillswitchStatus, PaperSummary } from '../../common/trading/types';
import { openHome } from '../../node/home';
import { Journal } from '../../node/paper/journal';
import fs from 'node:fs';
import { call, parse, UsageError, validate, withServices, type CliContext } from './cli-support';

/** Each command paperCommand answers, with its help as `quantdesk --help` lists it. */
export const PAPER_HELP: Readonly<Record<string, string>> = {
  paper: `  paper run --portfolio ID|FILE.json --replay --from D --to D [--speed max]
                              replay a portfolio through paper trading (streaming features, the risk gate
                              under the killswitch's state, the backtester's broker) and print a summary
  paper status                the killswitch's state, the paper sessions and the latest alerts`,
  killswitch: `  killswitch status|halt|reduce|resume [--reason TEXT] [--flatten]
                              the trading state (halted: only cancels; reducing: only orders that
                              reduce a position), journaled and audited; resume re-arms`,
};

/** `quantdesk` paper trading and the killswitch; returns the exit code. */
export async function paperCommand(command: string, opts: string[], ctx: CliContext): Promise<number> {
  const { json, io, homeDir, open, runJob } = ctx;
  switch (command) {
    case 'paper': {
      const [sub, ...subOpts] = opts;
      if (sub === 'status') {
        parse(subOpts, {});
        return withServices(open(true), async (s) => {
          const k = await call(s, 'paper.killswitch.get', {});
          const last = (await call(s, 'jobs.list', { all: true })).find((j) => j.kind === 'paper') ?? null;
          const sessions = (await call(s, 'paper.sessions', {})).map(({ id, portfolio, feed, status, error, bars }) => ({ id, portfolio, feed, status, error, bars }));
          const alerts = await call(s, 'paper.alerts', { limit: 10 });
          const status = { state: k.state, since: k.history[0] ?? null, sessions, lastSession: last ? { jobId: last.id, status: last.status, summary: last.summary ?? last.error ?? null } : null, alerts };
          io.out(
            json
              ? JSON.stringify(status)
              : [
                  `trading is ${status.state}`,
                  ...sessions.map((x) => `session ${x.id} (${x.portfolio}): ${x.status}, ${x.bars} bars${x.error ? ` (${x.error})` : ''}`),
                  `last replay job: ${status.lastSession ? `${status.lastSession.status}: ${status.lastSession.summary}` : 'none'}`,
                  ...alerts.map((a) => `alert ${new Date(a.at).toISOString()} ${a.title}: ${a.body}`),
                ].join('\n'),
          );
          return 0;
        });
      }
      if (sub !== 'run') throw new UsageError(`paper: expected \`paper run --portfolio ID --replay --from D --to D\` or \`paper status\`, got \`paper ${sub ?? ''}\``);
      const p = parse(subOpts, { portfolio: { type: 'string' }, replay: { type: 'boolean' }, from: { type: 'string' }, to: { type: 'string' }, speed: { type: 'string' } });
      const v = p.values as { portfolio?: string; replay?: boolean; from?: string; to?: string; speed?: string };
      if (!v.portfolio) throw new UsageError('paper run: --portfolio ID|FILE.json is required');
      if (!v.replay) throw new UsageError('paper run: only --replay sessions exist so far (live feeds are not built); add --replay --from D --to D');
      if (!v.from || !v.to) throw new UsageError('paper run: --from D and --to D are required with --replay');
      if (v.speed !== undefined && v.speed !== 'max') throw new UsageError(`--speed: only max (as fast as possible) exists so far, got ${v.speed}`);
      const arg: ArgOf<'jobs.start'> = { kind: 'paper', portfolio: /\.(json|ya?ml)$/i.test(v.portfolio) ? path.resolve(v.portfolio) : v.portfolio, from: v.from, to: v.to };
      validate('jobs.start', arg);
      return await runJob(arg, 'paper session', (job) => {
        const r = job.result as PaperSummary;
        return json ? { ...r, trades: r.trades.length, pnl: r.netPnl } : `${job.summary}${r.denials.length ? `\nfirst denial: ${r.denials[0]!.symbol}: ${r.denials[0]!.reason}` : ''}`;
      });
    }
    case 'killswitch': {
      const [sub, ...subOpts] = opts;
      const target = { halt: 'halted', reduce: 'reducing', resume: 'active' } as const;
      if (sub !== 'status' && !(sub !== undefined && sub in target)) throw new UsageError(`killswitch: expected status, halt, reduce or resume, got ${sub ?? 'nothing'}`);
      const p = parse(subOpts, { reason: { type: 'string' }, flatten: { type: 'boolean' } });
      const v = p.values as { reason?: string; flatten?: boolean };
      if (v.flatten && sub !== 'halt') throw new UsageError('--flatten goes with halt: `killswitch halt --flatten`');
      const show = (k: KillswitchStatus): string => `trading is ${k.state}${k.history[0] ? ` since ${new Date(k.history[0].at).toISOString()} (${k.history[0].source}: ${k.history[0].reason})` : ''}`;
      const arg = sub === 'status' ? undefined : { state: target[sub as keyof typeof target], reason: v.reason ?? `${sub} from the command line`, source: 'cli' as const, ...(v.flatten ? { flatten: true } : {}) };
      if (arg) validate('paper.killswitch.set', arg);
      // The journal directly, not the services: it takes no home lock, so a halt reaches the app or
      // server running on this home (its supervisor enforces what the journal records within 100 ms).
      const file = openHome(homeDir, { create: arg !== undefined }).journal;
      if (!arg && !fs.existsSync(file)) {
        const k: KillswitchStatus = { state: 'active', history: [] };
        io.out(json ? JSON.stringify(k) : show(k));
        return 0;
      }
      const journal = new Journal(file, { readonly: arg === undefined });
      try {
        const k = arg ? journal.setState(arg.state, 'cli', arg.reason, Date.now(), arg.flatten === true) : journal.killswitch();
        io.out(json ? JSON.stringify(k) : show(k));
        return 0;
      } catch (e) {
        if (e instanceof ApiError) throw new UsageError(e.message);
        throw e;
      } finally {
        journal.close();
      }
    }
  }
  throw new UsageError(`unknown command ${command}; run quantdesk --help`);
}
