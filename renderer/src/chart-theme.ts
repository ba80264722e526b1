import { ColorType, createChart, type DeepPartial, type IChartApi, type TimeChartOptions } from 'lightweight-charts';

/** Chart options in the page's theme colours (read from its CSS variables, so light and dark both follow). */
export function themedChartOptions(timeVisible: boolean): DeepPartial<TimeChartOptions> {
  const css = getComputedStyle(document.documentElement);
  const color = (name: string): string => css.getPropertyValue(name).trim();
  return {
    autoSize: true,
    layout: { background: { type: ColorType.Solid, color: color('--bg') }, textColor: color('--text'), panes: { separatorColor: color('--line') } },
    grid: { vertLines: { color: color('--panel') }, horzLines: { color: color('--panel') } },
    timeScale: { timeVisible, secondsVisible: false, borderColor: color('--line') },
    rightPriceScale: { borderColor: color('--line') },
  };
}

/**
 * A chart in the page's theme that follows the system between light and dark while it is shown (the
 * page's colours switch by CSS; a canvas has to be told). `remove` takes the chart and its listener down.
 */
export function createThemedChart(box: HTMLElement, timeVisible: boolean, extra: DeepPartial<TimeChartOptions> = {}): { api: IChartApi; remove(): void } {
  const api = createChart(box, { ...themedChartOptions(timeVisible), ...extra });
  const light = matchMedia('(prefers-color-scheme: light)');
  const follow = (): void => api.applyOptions(themedChartOptions(timeVisible));
  light.addEventListener('change', follow);
  return {
    api,
    remove: () => {
      light.removeEventListener('change', follow);
      api.remove();
    },
  };
}

/**
 * Fits the whole series into view once the chart has its size: a chart fitted while its box is still
 * unlaid (autoSize waits for a resize observation) keeps the bar spacing of a zero-width chart and
 * opens on the last few bars instead of the whole run.
 */
export function fitWhenSized(api: IChartApi, box: HTMLElement): () => void {
  api.timeScale().fitContent();
  const seen = new ResizeObserver((entries) => {
    if ((entries[0]?.contentRect.width ?? 0) <= 0) return;
    // After the chart's own resize handler has applied the new width.
    requestAnimationFrame(() => api.timeScale().fitContent());
    seen.disconnect();
  });
  seen.observe(box);
  return () => seen.disconnect();
}
