import { describe, expect, it } from 'vitest';
import type { JobInfo } from '../../core/common/jobs/types';
import { initialWindowState, jobNotice, TaskbarProgress, trayMenu } from './desktop';

const job = (over: Partial<JobInfo>): JobInfo => ({ id: 'j1', kind: 'backfill', request: {}, status: 'running', createdAt: 0, startedAt: 0, endedAt: null, progress: null, summary: null, error: null, failedOnInput: false, result: null, ...over });

describe('desktop integration', () => {
  it('notifies when a job ends, saying how', () => {
    expect(jobNotice(job({ status: 'running' }))).toBeNull();
    expect(jobNotice(job({ status: 'succeeded', summary: '88,440 new bars' }))).toEqual({ title: 'Backfill finished', body: '88,440 new bars' });
    expect(jobNotice(job({ kind: 'train', status: 'failed', error: 'unknown label label_x' }))).toEqual({ title: 'Training failed', body: 'unknown label label_x' });
  });

  it('shows the mean progress of running jobs on the dock or taskbar, and no bar when none runs', () => {
    const bar = new TaskbarProgress();
    expect(bar.state(job({ id: 'a' }))).toBe(0);
    expect(bar.progress({ jobId: 'a', fraction: 0.5, rows: 0, rate: 0, etaSeconds: null, message: '' })).toBe(0.5);
    expect(bar.state(job({ id: 'b' }))).toBe(0.25);
    // Progress of a job that is not running (late event) is ignored.
    expect(bar.progress({ jobId: 'zz', fraction: 1, rows: 0, rate: 0, etaSeconds: null, message: '' })).toBe(0.25);
    expect(bar.state(job({ id: 'a', status: 'succeeded' }))).toBe(0);
    expect(bar.state(job({ id: 'b', status: 'failed' }))).toBe(-1);
  });

  it('reopens the window where it was, unless that place is no longer on any display', () => {
    const screens = [{ x: 0, y: 0, width: 1920, height: 1080 }];
    const saved = { bounds: { x: 100, y: 50, width: 1200, height: 800 }, maximized: true };
    expect(initialWindowState(saved, screens)).toEqual(saved);
    // The second monitor it was on is gone: back to the default size, centred on the first.
    expect(initialWindowState({ bounds: { x: 2500, y: 100, width: 1200, height: 800 }, maximized: false }, screens)).toEqual({ bounds: { x: 260, y: 90, width: 1400, height: 900 }, maximized: false });
    expect(initialWindowState({ bounds: { x: 1850, y: 0, width: 1200, height: 800 } }, screens).bounds.x).toBe(260);
    expect(initialWindowState(null, [{ x: 0, y: 0, width: 1280, height: 720 }])).toEqual({ bounds: { x: 0, y: 0, width: 1280, height: 720 }, maximized: false });
    expect(initialWindowState({ bounds: { x: 'a' } }, screens).bounds.width).toBe(1400);
  });

  it('the tray shows the trading state and offers the killswitch actions that apply, re-arming only through the Paper view', () => {
    const labels = (s: 'active' | 'reducing' | 'halted') => trayMenu(s).items.map((x) => (x === 'separator' ? '-' : `${x.label}${x.action ? ` [${x.action}]` : ''}`));
    expect(labels('active')).toEqual(['Trading active', '-', 'Halt All Trading [halt]', 'Halt and Flatten All Positions [halt-flatten]', 'Reduce Only [reduce]', '-', 'Show Quantdesk [show]', 'Quit [quit]']);
    expect(labels('halted')).toEqual(['Trading HALTED', '-', 'Flatten All Positions [halt-flatten]', 'Re-arm in the Paper View… [rearm]', '-', 'Show Quantdesk [show]', 'Quit [quit]']);
    expect(labels('reducing')).toContain('Halt All Trading [halt]');
    expect(labels('reducing')).not.toContain('Reduce Only [reduce]');
    expect(trayMenu('halted').tooltip).toBe('Quantdesk: Trading HALTED');
  });
});
