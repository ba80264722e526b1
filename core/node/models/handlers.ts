import YAML from 'yaml';
import type { Handlers, MethodsOf } from '../../common/api';
import { ApiError } from '../../common/errors';
import { DEFAULT_SCORE } from '../../common/models/leaderboard';
import type { InferenceSettings } from '../../common/models/types';
import type { ServiceContext } from '../service-context';
import { checkModel } from './check';
import type { ImportedModel } from './import-model';
import { mostProbable } from './model-output';
import { probeProviders } from './provider-probe';
import { defaultProvider, PROVIDER_SETTING, providersFor } from './providers';
import { classLabels, demoteModel, getModel, leaderboard, listModels, parseModelRef, promoteModel, rollbackModel, scoreFormula, setScoreFormula, stageHistory } from './registry';
import { ModelRunner } from './runner';
import { parseTrainConfig } from './train-config';

/** The model registry's methods, predictions, the leaderboard's formula and the inference provider. */
export function modelHandlers(
  ctx: ServiceContext,
): Pick<Handlers, MethodsOf<'models'> | 'settings.leaderboard' | 'settings.setLeaderboard' | 'settings.inference' | 'settings.setInference'> {
  const { home, catalog: cat, con } = ctx;
  // Which providers load cannot change while the process runs: probe once, on first ask.
  let probed: ReturnType<typeof probeProviders> | undefined;
  const inferenceSettings = async (): Promise<InferenceSettings> => ({ provider: defaultProvider(cat), platformOrder: providersFor(process.platform, process.arch), providers: await (probed ??= probeProviders()) });
  return {
    'models.list': async () => listModels(cat),
    'models.get': async (a) => {
      const { file: _file, ...m } = getModel(cat, home, parseModelRef(a.model));
      return { ...m, history: stageHistory(cat, m.id) };
    },
    'models.promote': async (a) => promoteModel(cat, home, parseModelRef(a.model)),
    'models.checkConfig': async (a) => parseTrainConfig(a.text, 'the config'),
    'models.configYaml': async (a) => ({ text: YAML.stringify(a.config) }),
    'models.check': async (a) => checkModel({ home, catalog: cat, con }, parseModelRef(a.model), a.provider ?? defaultProvider(cat), a.rows ?? 5000),
    'models.predict': async (a) => {
      const m = getModel(cat, home, parseModelRef(a.model));
      if (a.columns.length !== m.features.length) throw new ApiError('invalid_argument', `${m.id}@${m.version} reads ${m.features.length} features (${m.features.join(', ')}); ${a.columns.length} columns were given`, 'columns');
      const runner = await ModelRunner.open(home, m.id, m.version, m.features.length, a.provider ?? defaultProvider(cat));
      try {
        const t0 = performance.now();
        const done = { provider: runner.provider, fallback: runner.fallback ?? null };
        if (m.objective !== 'multiclass') return { values: await runner.predictBatch(a.columns), ...done, ms: performance.now() - t0 };
        const p = await runner.predictClasses(a.columns);
        const n = p.values.length / p.classes;
        const probabilities = Array.from({ length: p.classes }, (_, c) => Float32Array.from({ length: n }, (_, i) => p.values[i * p.classes + c]!));
        return { values: Float32Array.from(mostProbable(p)), classes: classLabels(m.card, p.classes), probabilities, ...done, ms: performance.now() - t0 };
      } finally {
        await runner.close();
      }
    },
    'models.import': async (a) => ctx.needJobs().importModel<ImportedModel>({ file: a.path, format: a.format, name: a.name, featureSet: a.featureSet }),
    'models.rollback': async (a) => rollbackModel(cat, home, parseModelRef(a.id).id),
    'models.demote': async (a) => demoteModel(cat, home, parseModelRef(a.id).id),
    'models.leaderboard': async (a) => leaderboard(cat, home, a.formula ?? scoreFormula(cat), a.minScore),
    'settings.leaderboard': async () => ({ formula: scoreFormula(cat), default: DEFAULT_SCORE }),
    'settings.setLeaderboard': async (a) => ({ formula: setScoreFormula(cat, a.formula), default: DEFAULT_SCORE }),
    'settings.inference': inferenceSettings,
    'settings.setInference': async (a) => {
      cat.setSetting(PROVIDER_SETTING, a.provider);
      return inferenceSettings();
    },
  };
}
