import type { JobInfo, JobProgress } from '../../core/common/jobs/types';

/** A rectangle on screen, as Electron gives window bounds and display work areas. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The window's remembered placement. */
export interface WindowState {
  bounds: Rect;
  maximized: boolean;
}

const KIND: Record<string, string> = { backfill: 'Backfill', import: 'Import', features: 'Feature build', train: 'Training', promote: 'Dataset promotion', ic: 'IC analysis', retention: 'Retention', materialize: 'Resampling', continuous: 'Continuous futures' };

/** The desktop notification for a job that just ended, or null while it has not. */
export function jobNotice(job: JobInfo): { title: string; body: string } | null {
  const what = KIND[job.kind] ?? job.kind;
  if (job.status === 'succeeded') return { title: `${what} finished`, body: job.summary ?? '' };
  if (job.status === 'failed') return { title: `${what} failed`, body: job.error ?? 'see the Jobs view' };
  if (job.status === 'cancelled') return { title: `${what} cancelled`, body: job.summary ?? '' };
  return null;
}

/**
 * Progress for the dock or taskbar: the mean fraction of the running jobs, or −1 (no bar) when none
 * runs. Fed with the jobs' state and progress events.
 */
export class TaskbarProgress {
  private readonly running = new Map<string, number>();

  /** A job changed state; returns the bar's new value. */
  state(job: JobInfo): number {
    if (job.status === 'running') this.running.set(job.id, this.running.get(job.id) ?? 0);
    else this.running.delete(job.id);
    return this.value();
  }

  /** A running job reported progress; returns the bar's new value. */
  progress(p: JobProgress): number {
    if (this.running.has(p.jobId)) this.running.set(p.jobId, Math.min(1, Math.max(0, p.fraction)));
    return this.value();
  }

  private value(): number {
    if (this.running.size === 0) return -1;
    let sum = 0;
    for (const f of this.running.values()) sum += f;
    return sum / this.running.size;
  }
}

const DEFAULT_SIZE = { width: 1400, height: 900 };
const MIN_VISIBLE = 100;

/**
 * Where to open the window: the remembered bounds when at least a 100-pixel square of them lies on a
 * display that is still attached, else the default size centred on the first display (a monitor that
 * was unplugged must not leave the window off-screen).
 */
export function initialWindowState(saved: unknown, workAreas: Rect[]): WindowState {
  const s = saved as Partial<WindowState> | null | undefined;
  const b = s?.bounds;
  const valid = b !== undefined && [b.x, b.y, b.width, b.height].every((v) => Number.isFinite(v)) && b.width >= 400 && b.height >= 300;
  if (valid) {
    const visible = workAreas.some((a) => Math.min(b.x + b.width, a.x + a.width) - Math.max(b.x, a.x) >= MIN_VISIBLE && Math.min(b.y + b.height, a.y + a.height) - Math.max(b.y, a.y) >= MIN_VISIBLE);
    if (visible) return { bounds: { x: b.x, y: b.y, width: b.width, height: b.height }, maximized: s?.maximized === true };
  }
  const area = workAreas[0] ?? { x: 0, y: 0, ...DEFAULT_SIZE };
  const width = Math.min(DEFAULT_SIZE.width, area.width);
  const height = Math.min(DEFAULT_SIZE.height, area.height);
  return { bounds: { x: area.x + Math.round((area.width - width) / 2), y: area.y + Math.round((area.height - height) / 2), width, height }, maximized: false };
}

/** What a tray menu item does. */
export type TrayAction = 'halt' | 'halt-flatten' | 'reduce' | 'rearm' | 'show' | 'quit';

/** The tray (menu bar) icon's tooltip and menu for a trading state: the state first, then the killswitch's actions that apply. */
export function trayMenu(state: 'active' | 'reducing' | 'halted'): { tooltip: string; items: ({ label: string; action: TrayAction } | { label: string; action: null } | 'separator')[] } {
  const shown = { active: 'Trading active', reducing: 'Trading REDUCING (exits only)', halted: 'Trading HALTED' }[state];
  const items: ({ label: string; action: TrayAction } | { label: string; action: null } | 'separator')[] = [{ label: shown, action: null }, 'separator'];
  if (state !== 'halted') items.push({ label: 'Halt All Trading', action: 'halt' }, { label: 'Halt and Flatten All Positions', action: 'halt-flatten' });
  // Halted, every exit is refused: flattening is how trapped positions get out.
  else items.push({ label: 'Flatten All Positions', action: 'halt-flatten' });
  if (state === 'active') items.push({ label: 'Reduce Only', action: 'reduce' });
  // Re-arming takes a reason, typed in the Paper view: the tray only leads there.
  if (state !== 'active') items.push({ label: 'Re-arm in the Paper View…', action: 'rearm' });
  items.push('separator', { label: 'Show Quantdesk', action: 'show' }, { label: 'Quit', action: 'quit' });
  return { tooltip: `Quantdesk: ${shown}`, items };
}
