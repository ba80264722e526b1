import type { Handlers } from '../common/api';
import { ApiError } from '../common/errors';
import { checkMoveTarget } from './home-move';
import type { ServiceContext } from './service-context';

/** The app itself: what runs, moving the home, and the vendor keys in Settings. */
export function appHandlers(ctx: ServiceContext): Pick<Handlers, 'app.info' | 'home.move' | 'settings.vendorKeys' | 'settings.setVendorKey'> {
  const { options: o, home, catalog: cat, vendorKeys } = ctx;
  return {
    'app.info': async () => ({ version: o.version, home: home.root, host: o.host, versions: ctx.versions, demoSeeded: cat.getSetting('demo.seeded') !== undefined }),
    'home.move': async (a) => {
      if (!o.relocateHome) throw new ApiError('conflict', `the ${o.host} host serves this home while it runs; stop it, then run quantdesk --home ${home.root} home move ${a.to}`, 'to');
      const to = checkMoveTarget(home.root, a.to);
      const relocate = o.relocateHome;
      setImmediate(() => relocate(to));
      return { to, restarting: true };
    },
    'settings.vendorKeys': async () => vendorKeys.status(),
    'settings.setVendorKey': async (a) => {
      vendorKeys.set(a.vendor, a.key, a.unencrypted === true);
      return vendorKeys.status();
    },
  };
}
