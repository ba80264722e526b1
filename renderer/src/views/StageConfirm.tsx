import type { ModelInfo } from '../../../core/common/models/types';
import { client } from '../api';
import { ConfirmDialog } from '../ConfirmDialog';

/** A stage change of a model version that waits for the user's confirmation. */
export interface StageChange {
  action: 'promote' | 'demote' | 'rollback';
  /** The version acted on (for demote and roll back: the one in production). */
  model: Pick<ModelInfo, 'id' | 'version'>;
  /** The version now in production, when another one is. */
  production?: number;
}

/** What a stage change will do, in words, before it is done. */
function consequence(c: StageChange): string {
  const name = `${c.model.id}@${c.model.version}`;
  if (c.action === 'promote') return `Put ${name} in production?${c.production !== undefined ? ` ${c.model.id}@${c.production} will be archived.` : ''} Paper sessions started from now, and the live server after the next export, run ${name}.`;
  if (c.action === 'demote') return `Take ${name} out of production? No version of ${c.model.id} will be in models/manifest.json until one is promoted.`;
  return `Put back the version of ${c.model.id} that was in production before ${name}? ${name} will be archived.`;
}

/** The confirmation of a promotion, demotion or roll back; the change is made only on Confirm. */
export function StageConfirm({ change, onDone, onClose }: { change: StageChange; onDone: () => void; onClose: () => void }) {
  const verb = { promote: 'Promote', demote: 'Demote', rollback: 'Roll back' }[change.action];
  const act = (): Promise<unknown> =>
    change.action === 'promote' ? client.call('models.promote', { model: `${change.model.id}@${change.model.version}` }) : client.call(change.action === 'demote' ? 'models.demote' : 'models.rollback', { id: change.model.id });
  return <ConfirmDialog title={`${verb} ${change.model.id}@${change.model.version}`} text={consequence(change)} verb={verb} testId="stage-confirm" action={act} onDone={onDone} onClose={onClose} />;
}
