import { describe, expect, it } from 'vitest';
import { parseTrainConfig } from './train-config';

const GOOD = ['name: es-dir', 'featureSet: m', 'label: label_b1', 'model:', '  kind: gbdt', '  nTrees: 50', ''].join('\n');

describe('training configs', () => {
  it('reads a config, filling the defaults', () => {
    const c = parseTrainConfig(GOOD, 'es.yml');
    expect(c).toMatchObject({ name: 'es-dir', featureSet: 'm', label: 'label_b1', model: { kind: 'gbdt', nTrees: 50, maxDepth: 6, maxLeaves: 0 }, split: { validation: 0.2, test: 0.2 } });
  });

  it('names the file, the line and the setting that is wrong', () => {
    expect(() => parseTrainConfig(GOOD.replace('kind: gbdt', 'kind: svm'), 'es.yml')).toThrow(/^es\.yml: line 5: model\.kind: expected model\.kind gbdt, forest/);
    expect(() => parseTrainConfig(GOOD.replace('nTrees: 50', 'nTrees: -3'), 'es.yml')).toThrow(/^es\.yml: line 6: model\.nTrees: /);
    expect(() => parseTrainConfig(GOOD.replace('label: label_b1', 'label: b1'), 'es.yml')).toThrow(/^es\.yml: line 3: label: expected a label column such as label_b1/);
    expect(() => parseTrainConfig('name: x\nmodel: [unclosed\n', 'bad.yml')).toThrow(/^bad\.yml: line \d+: not valid YAML/);
    expect(() => parseTrainConfig('', 'empty.yml')).toThrow(/^empty\.yml: document: /);
  });
});
