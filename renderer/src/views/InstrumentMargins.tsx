import { useEffect, useState } from 'react';
import type { ContractSpec } from '../../../core/common/instruments';
import { client } from '../api';
import { Field } from './SettingField';

/**
 * The instrument table in Settings: each instrument's contract terms, and its maintenance margin per
 * contract, editable (empty: back to the table's). Backtests and portfolios built afterwards are
 * called, and ruined, by these margins.
 */
export function InstrumentMargins() {
  const [rows, setRows] = useState<ContractSpec[]>([]);
  const [typed, setTyped] = useState<Record<string, string>>({});
  useEffect(() => {
    void client.call('instruments.list', {}).then((r) => {
      setRows(r);
      setTyped(Object.fromEntries(r.map((i) => [i.symbol, String(i.maintenanceMargin)])));
    });
  }, []);
  return (
    <section data-testid="instrument-margins">
      <h3>Instruments</h3>
      <p className="hint">An account whose equity falls under the maintenance margin of what it holds is called: the run is closed out and marked ruined. The table's margins are of the order of the exchange's; enter your broker's.</p>
      {rows.map((i) => (
        <Field
          key={i.symbol}
          id={`margin-${i.symbol}`}
          label={`${i.symbol} · ${i.name} · ${i.multiplier} ${i.currency}/point, tick ${i.tickSize} · maintenance margin per contract`}
          onSave={async () => {
            const text = (typed[i.symbol] ?? '').trim();
            if (text !== '' && !/^\d+(\.\d+)?$/.test(text)) throw new Error(`expected an amount in ${i.currency} such as 14500, or nothing for the table's; got "${text}"`);
            const next = await client.call('instruments.setMargin', { symbol: i.symbol, maintenanceMargin: text === '' ? null : Number(text) });
            setRows(next);
            const margin = next.find((x) => x.symbol === i.symbol)!.maintenanceMargin;
            setTyped((t) => ({ ...t, [i.symbol]: String(margin) }));
            return `saved: ${margin.toLocaleString('en-US')} ${i.currency}${text === '' ? " (the table's)" : ''}`;
          }}
        >
          <input className="narrow" value={typed[i.symbol] ?? ''} onChange={(e) => setTyped((t) => ({ ...t, [i.symbol]: e.target.value }))} aria-label={`${i.symbol} maintenance margin`} />
        </Field>
      ))}
    </section>
  );
}
