import { describe, expect, it } from 'vitest';
import type { Handlers } from '../common/api';
import { ApiError } from '../common/errors';
import { dispatch } from './dispatcher';

const handlers = {
  'jobs.get': async (a: { jobId: string }) => {
    if (a.jobId === 'boom') throw new Error('disk on fire');
    throw new ApiError('not_found', `no job ${a.jobId}`, 'jobId');
  },
  'lake.summary': async () => [],
} as unknown as Handlers;

describe('dispatcher', () => {
  it('validates before calling and names the bad field', async () => {
    const out = await dispatch(handlers, 'jobs.get', { jobId: 7 });
    expect(out).toEqual({ ok: false, error: { code: 'invalid_argument', message: expect.stringMatching(/^jobId: /), path: 'jobId' } });
    const extra = await dispatch(handlers, 'lake.summary', { surprise: true });
    expect(extra.ok).toBe(false);
  });

  it('passes API errors through and turns crashes into internal errors without throwing', async () => {
    expect(await dispatch(handlers, 'jobs.get', { jobId: 'x' })).toEqual({ ok: false, error: { code: 'not_found', message: 'no job x', path: 'jobId' } });
    const logged: unknown[] = [];
    expect(await dispatch(handlers, 'jobs.get', { jobId: 'boom' }, (e) => logged.push(e))).toEqual({ ok: false, error: { code: 'internal', message: 'disk on fire' } });
    expect(logged).toHaveLength(1);
  });

  it('refuses unknown methods and treats a missing argument as empty', async () => {
    expect(await dispatch(handlers, 'nope', {})).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    expect(await dispatch(handlers, '__proto__', {})).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    expect(await dispatch(handlers, 'lake.summary', undefined)).toEqual({ ok: true, value: [] });
  });
});
