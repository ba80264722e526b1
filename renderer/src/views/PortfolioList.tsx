import { useEffect, useState } from 'react';
import { client } from '../api';

/**
 * The stored portfolios as a list for a portfolio field (`<input list={id}>`): each id with its
 * instruments, so a stored one is picked rather than typed; a portfolio file's path may still be typed.
 */
export function PortfolioList({ id }: { id: string }) {
  const [list, setList] = useState<{ id: string; instruments: { name: string }[] }[]>([]);
  useEffect(() => {
    void client.call('config.portfolios', {}).then(setList, () => setList([]));
  }, []);
  return (
    <datalist id={id} data-testid={id}>
      {list.map((p) => (
        <option key={p.id} value={p.id} label={p.instruments.map((i) => i.name).join(', ') || 'no instruments'} />
      ))}
    </datalist>
  );
}
