import { trainConfigSchema, type TrainConfig } from '../../common/models/schemas';
import { parseYamlConfig } from '../yaml-config';

/**
 * Reads a training config (YAML, as `quantdesk train --config` and the Train dialog take it). Errors
 * name the source, the line and the setting: `es.yml: line 6: model.kind: expected …`.
 */
export function parseTrainConfig(text: string, source: string): TrainConfig {
  return parseYamlConfig(trainConfigSchema, text, source, 'text');
}
