import type { Handlers, MethodsOf } from '../../common/api';
import { ApiError } from '../../common/errors';
import type { PaperSettings } from '../../common/trading/types';
import type { Catalog } from '../catalog';
import type { ServiceContext } from '../service-context';
import { ACCOUNT_LIMITS_SETTING, accountLimits, journaledSession, WEBHOOK_SETTING } from './supervisor';

function paperSettings(cat: Catalog): PaperSettings {
  return { webhook: cat.getSetting(WEBHOOK_SETTING) ?? null, limits: accountLimits(cat) };
}

/** Paper trading: the killswitch, sessions, alerts, and the webhook and account limits in Settings. */
export function paperHandlers(ctx: ServiceContext): Pick<Handlers, MethodsOf<'paper'> | 'settings.paper' | 'settings.setPaper'> {
  const { catalog: cat, journal, paper, bus } = ctx;
  return {
    'paper.killswitch.get': async () => journal?.killswitch() ?? { state: 'active', history: [] },
    'paper.killswitch.set': async (a) => {
      if (!journal) throw new ApiError('conflict', 'this process opened the home read-only; change the killswitch from the app or a CLI command that writes');
      const status = paper ? await paper.setState(a.state, a.source ?? 'api', a.reason, a.flatten === true) : journal.setState(a.state, a.source ?? 'api', a.reason, Date.now(), a.flatten === true);
      bus.emit('paper.state', { state: status.state, change: status.history[0]! });
      return status;
    },
    'paper.sessions': async () => (paper ? paper.list() : (journal?.sessions().map(journaledSession) ?? [])),
    'paper.alerts': async (a) => journal?.alerts(a.limit) ?? [],
    'paper.session.get': async (a) => ctx.needPaper().get(a.session, a.points),
    'paper.session.start': async (a) => ctx.needPaper().start(a.portfolio, 'live' in a ? { kind: 'live', url: a.live } : { kind: 'replay', from: a.from, to: a.to, speed: a.speed }, 'live' in a ? a.features : undefined),
    'paper.session.control': async (a) => ctx.needPaper().control(a.session, a.action),
    'settings.paper': async () => paperSettings(cat),
    'settings.setPaper': async (a) => {
      if (a.webhook === null) cat.db.prepare('DELETE FROM settings WHERE key = ?').run(WEBHOOK_SETTING);
      else if (a.webhook !== undefined) cat.setSetting(WEBHOOK_SETTING, a.webhook);
      if (a.limits !== undefined) cat.setSetting(ACCOUNT_LIMITS_SETTING, JSON.stringify(a.limits));
      return paperSettings(cat);
    },
  };
}
