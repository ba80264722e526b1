import type { SolvedChain } from '../../common/options/chain';
import type { OptionChainView, OptionsQaReport } from '../../common/options/types';
import type { Services } from '../../node/services';
import { call, parse, table, UsageError, validate, withServices } from './cli-support';

/** The `options` command's lines in `quantdesk --help`. */
export const OPTIONS_HELP = `  options chain --symbol ES --at 2026-09-09T15:00:00Z [--dte 0] [--max-age 120] [--rate 0.05]
                              the session's 0DTE chain (or expiries within --dte days) on the front
                              contract only: bid, ask, implied volatility, delta, gamma and open
                              interest per strike; quotes left out say why
  options gex --symbol ES --at … [--dte 0] [--max-age 120] [--rate 0.05]
                              dealer gamma exposure by strike ($ per 1% move; calls long, puts short)
  options qa --symbol ES      sessions whose stored options are on another contract than the futures`;

const num = (x: number, digits: number): string => (Number.isFinite(x) ? x.toFixed(digits) : '—');

function chainTable(c: SolvedChain): string {
  const rows = [['strike', 'call bid', 'ask', 'iv', 'delta', 'gamma', 'oi', 'put bid', 'ask', 'iv', 'delta', 'gamma', 'oi']];
  c.strikes.forEach((k, i) => {
    const side = (s: SolvedChain['calls']): string[] => [num(s.bid[i]!, 2), num(s.ask[i]!, 2), num(s.iv[i]! * 100, 2), num(s.delta[i]!, 3), num(s.gamma[i]!, 5), num(s.oi[i]!, 0)];
    rows.push([String(k), ...side(c.calls), ...side(c.puts)]);
  });
  const left = c.strikes.length * 2 - [...c.calls.problem, ...c.puts.problem].filter((p) => p === '').length;
  const why = new Map<string, number>();
  for (const p of [...c.calls.problem, ...c.puts.problem]) if (p !== '') why.set(p.replace(/[0-9.]+/g, 'N'), (why.get(p.replace(/[0-9.]+/g, 'N')) ?? 0) + 1);
  return [`expiry ${new Date(c.expiry).toISOString()} · F ${num(c.F, 2)} (put–call parity) · T ${(c.T * 365 * 24).toFixed(2)} h`, table(rows), `${left} quotes left out${why.size ? `: ${[...why].map(([p, n]) => `${n} × ${p}`).join('; ')}` : ''}`].join('\n');
}

function header(v: OptionChainView): string {
  return `${v.symbol} ${new Date(v.at).toISOString()} · session ${v.session} · options on ${v.contract}${v.leftOut.length ? ` (left out: ${v.leftOut.join(', ')}, not the front contract)` : ''} · rate ${v.rate} · quotes ≤ ${v.maxAgeSeconds} s old`;
}

function qaText(r: OptionsQaReport): string {
  const rows = [['session', 'front', 'options on', ''], ...r.sessions.map((s) => [s.date, s.front ?? '—', s.contracts.join(', '), s.ok ? 'ok' : 'MISMATCH'])];
  return `${table(rows)}\n${r.mismatched} of ${r.sessions.length} sessions have options on another contract than their futures`;
}

/** `quantdesk options chain|gex|qa`: returns the exit code. */
export async function optionsCommand(args: string[], o: { json: boolean; out: (s: string) => void; open: () => Promise<Services> }): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'chain' && sub !== 'gex' && sub !== 'qa') throw new UsageError('options: expected `options chain`, `options gex` or `options qa`');
  const p = parse(rest, { symbol: { type: 'string' }, at: { type: 'string' }, dte: { type: 'string' }, 'max-age': { type: 'string' }, rate: { type: 'string' } });
  if (p.positionals.length) throw new UsageError(`options ${sub}: unexpected argument ${p.positionals[0]}`);
  const v = p.values as Record<string, string | undefined>;
  const { symbol } = v;
  if (symbol === undefined) throw new UsageError('--symbol: required, e.g. --symbol ES');
  return withServices(o.open(), async (s) => {
    if (sub === 'qa') {
      validate('options.qa', { symbol });
      const r = await call(s, 'options.qa', { symbol });
      o.out(o.json ? JSON.stringify(r) : qaText(r));
      return r.mismatched > 0 ? 1 : 0;
    }
    if (v.at === undefined) throw new UsageError('--at: required, an ISO date-time such as 2026-09-09T15:00:00Z');
    const number = (name: string, text: string | undefined): number | undefined => {
      if (text === undefined) return undefined;
      const x = Number(text);
      if (text.trim() === '' || !Number.isFinite(x)) throw new UsageError(`--${name}: expected a number, got ${text}`);
      return x;
    };
    const dte = number('dte', v.dte);
    const maxAge = number('max-age', v['max-age']);
    const rate = number('rate', v.rate);
    const arg = { symbol, at: v.at, ...(dte === undefined ? {} : { dte }), ...(maxAge === undefined ? {} : { maxAgeSeconds: maxAge }), ...(rate === undefined ? {} : { rate }) };
    validate('options.chain', arg, { maxAgeSeconds: 'max-age' });
    const c = await call(s, 'options.chain', arg);
    if (o.json) o.out(JSON.stringify(c, (_k, x: unknown) => (ArrayBuffer.isView(x) ? Array.from(x as Float64Array) : x)));
    else if (sub === 'chain') o.out([header(c), ...(c.chains.length ? c.chains.map(chainTable) : ['no options of the front contract expire within the chosen days'])].join('\n\n'));
    else {
      const peak = Math.max(1, ...Array.from(c.profile.gex, Math.abs));
      const rows = Array.from(c.profile.strikes, (k, i) => {
        const g = c.profile.gex[i]!;
        const bar = '#'.repeat(Math.round((Math.abs(g) / peak) * 30));
        return [String(k), `${(g / 1e6).toFixed(2)}M`, g > 0 ? `+${bar}` : g < 0 ? `-${bar}` : ''];
      });
      o.out([header(c), c.chains.length ? table([['strike', 'GEX $/1%', ''], ...rows]) : 'no options of the front contract expire within the chosen days'].join('\n\n'));
    }
    return 0;
  });
}
