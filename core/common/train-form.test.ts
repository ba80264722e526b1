import { describe, expect, it } from 'vitest';
import { trainConfigSchema } from './models/schemas';
import { configToForm, defaultParams, formProblem, formToConfig, isTrainForm, MODEL_KINDS, newTrainForm, type TrainForm } from './train-form';

const parse = (f: TrainForm) => trainConfigSchema.parse(formToConfig(f));

describe('the training form and its YAML', () => {
  it('writes a config the schema accepts for every kind, with and without walk-forward and a search', () => {
    for (const kind of MODEL_KINDS) {
      const f: TrainForm = { ...newTrainForm('es-daily', ['label_b1']), kind, params: defaultParams(kind), folds: 3, trials: 4 };
      const c = parse(f);
      expect(c.model.kind).toBe(kind);
      expect(c.validation?.folds).toBe(3);
      expect(c.search?.trials).toBe(4);
      expect(Object.keys(c.search!.space).length).toBeGreaterThan(0);
      expect(parse({ ...f, folds: 0, trials: 0 }).search).toBeUndefined();
    }
  });

  it('reads back what it wrote, and says which settings keep a config in the YAML tab', () => {
    const f: TrainForm = { ...newTrainForm('es-daily', ['label_b5']), kind: 'forest', objective: 'regression', params: { nTrees: 50, maxDepth: 4, minSamplesLeaf: 9 }, folds: 4, trials: 2, seed: 7 };
    expect(configToForm(parse(f))).toEqual(f);
    const c = parse(f);
    expect(configToForm({ ...c, blendKnn: { k: 5, weight: 0.3, maxEvents: 100 } })).toBe('it sets blendKnn, which the form does not show');
    expect(configToForm({ ...c, split: { ...c.split, test: 0.3 } })).toMatch(/split/);
    expect(configToForm({ ...c, search: { ...c.search!, space: { maxDepth: { low: 2, high: 3 } } } })).toMatch(/search\.space/);
  });

  it('names the field that is wrong before anything is sent', () => {
    const ok = newTrainForm('es-daily', ['label_b1']);
    expect(formProblem(ok)).toBeNull();
    expect(formProblem({ ...ok, name: 'my model' })).toMatch(/^Name:/);
    expect(formProblem({ ...ok, params: { ...ok.params, learningRate: 0 } })).toMatch(/^Learning rate: a number from 0\.0001 to 1/);
    expect(formProblem({ ...ok, params: { ...ok.params, nTrees: Number.NaN } })).toMatch(/^Trees:/);
    expect(formProblem({ ...ok, folds: 1 })).toMatch(/^Walk-forward folds/);
    expect(formProblem({ ...ok, trials: 5 })).toMatch(/search scores its trials on walk-forward folds/);
    expect(formProblem({ ...ok, label: '' })).toMatch(/^Label:/);
  });

  it('takes back a stored form only when every field is one, and refuses what storage may hold instead', () => {
    const ok: TrainForm = { ...newTrainForm('es-daily', ['label_b1']), kind: 'gbdt', params: defaultParams('gbdt') };
    expect(isTrainForm(ok)).toBe(true);
    expect(isTrainForm(null)).toBe(true);
    for (const bad of [
      undefined,
      'a string',
      [ok],
      { ...ok, kind: 'rocket' },
      { ...ok, objective: 'multiclass' },
      { ...ok, name: 'x'.repeat(201) },
      { ...ok, featureSet: 7 },
      { ...ok, folds: -1 },
      { ...ok, trials: 1.5 },
      { ...ok, seed: '7' },
      { ...ok, params: null },
      { ...ok, params: [1, 2] },
      { ...ok, params: { ...ok.params, nTrees: '200' } },
      { ...ok, params: { ...ok.params, nTrees: null } },
      { ...ok, params: { ...ok.params, hiddenUnits: 8 } },
      JSON.parse('{"__proto__":{"polluted":true}}'),
      (() => {
        const { label: _label, ...rest } = ok;
        return rest;
      })(),
    ]) {
      expect(isTrainForm(bad)).toBe(false);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
