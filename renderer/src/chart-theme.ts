import { ColorType, type DeepPartial, type TimeChartOptions } from 'lightweight-charts';

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
