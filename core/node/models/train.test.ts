import { describe, expect, it } from 'vitest';
import { trainConfigSchema } from '../../common/models/schemas';
import { splitByTime } from './train';

describe('time splits for training', () => {
  it('purges rows whose label horizon crosses into another fold, and skips empty labels', () => {
    const t = Float64Array.from({ length: 10 }, (_, i) => i);
    const y = Float64Array.from([0, 1, 0, 1, Number.NaN, 1, 0, 1, 0, 1]);
    const config = trainConfigSchema.parse({ name: 'x', featureSet: 's', label: 'label_b1', model: { kind: 'gbdt' }, split: { validation: 0.2, test: 0.2, embargo: 2 } });
    const [a, b] = splitByTime([{ t, y, x: [t] }], 1, config, (v) => (v < 5 ? 0 : 1), 2);
    // Rows 3 and 4 look 2 rows ahead into fold 1: purged; row 4's label is empty anyway.
    expect(Array.from(a!.x[0]!)).toEqual([0, 1, 2]);
    // The last two rows look past the end: kept (no other fold there).
    expect(Array.from(b!.x[0]!)).toEqual([5, 6, 7, 8, 9]);
    const bad = trainConfigSchema.parse({ ...config, model: { kind: 'gbdt' } });
    expect(() => splitByTime([{ t, y: Float64Array.from(t, () => 2), x: [t] }], 1, bad, () => 0, 1)).toThrow(/has the value 2; a binary model needs a 0\/1 label/);
  });
});
