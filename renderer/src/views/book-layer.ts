import type { IPrimitivePaneRenderer, IPrimitivePaneView, ISeriesPrimitive, SeriesAttachedParameter, Time } from 'lightweight-charts';
import type { BookHeatmap, VolumeProfile } from '../../../core/common/lake/types';

type Target = Parameters<IPrimitivePaneRenderer['draw']>[0];

/**
 * The order book on the price chart, drawn behind the candles: the resting size at each price as a
 * heat (bids blue, asks red, brighter for more size) over each bar, and the traded volume per price
 * of the range as a profile along the right edge.
 */
export class BookLayer implements ISeriesPrimitive<Time> {
  private p: SeriesAttachedParameter<Time> | null = null;
  private heat: BookHeatmap | null = null;
  private profile: VolumeProfile | null = null;
  private readonly renderer: IPrimitivePaneRenderer = { draw: () => undefined, drawBackground: (target) => this.drawBook(target) };
  private readonly view: IPrimitivePaneView = { zOrder: () => 'bottom', renderer: () => this.renderer };

  attached(p: SeriesAttachedParameter<Time>): void {
    this.p = p;
  }

  detached(): void {
    this.p = null;
  }

  paneViews(): readonly IPrimitivePaneView[] {
    return [this.view];
  }

  /** What to draw (null clears it): the heat's buckets are the chart's bars. */
  show(heat: BookHeatmap | null, profile: VolumeProfile | null): void {
    this.heat = heat;
    this.profile = profile;
    this.p?.requestUpdate();
  }

  private drawBook(target: Target): void {
    const p = this.p;
    if (!p) return;
    const heat = this.heat;
    const profile = this.profile;
    target.useMediaCoordinateSpace(({ context: ctx, mediaSize }) => {
      const y = (price: number): number | null => p.series.priceToCoordinate(price);
      if (heat && heat.t.length) {
        const tick = priceStep(heat.price);
        const spacing = p.chart.timeScale().options().barSpacing;
        let max = 0;
        for (let i = 0; i < heat.size.length; i++) if (heat.size[i]! > max) max = heat.size[i]!;
        for (let i = 0; i < heat.t.length; i++) {
          const x = p.chart.timeScale().timeToCoordinate((heat.t[i]! / 1000) as Time);
          const top = y(heat.price[i]! + tick / 2);
          const bottom = y(heat.price[i]! - tick / 2);
          if (x === null || top === null || bottom === null) continue;
          const a = Math.min(0.85, 0.1 + (0.75 * heat.size[i]!) / max);
          ctx.fillStyle = heat.side[i] === 0x42 ? `rgba(78, 154, 241, ${a})` : `rgba(239, 83, 80, ${a})`;
          ctx.fillRect(x - spacing / 2, top, spacing, Math.max(1, bottom - top));
        }
      }
      if (profile && profile.price.length) {
        const tick = priceStep(profile.price);
        let max = 0;
        for (const v of profile.volume) if (v > max) max = v;
        const width = mediaSize.width * 0.18;
        ctx.fillStyle = 'rgba(245, 166, 35, 0.45)';
        for (let i = 0; i < profile.price.length; i++) {
          const top = y(profile.price[i]! + tick / 2);
          const bottom = y(profile.price[i]! - tick / 2);
          if (top === null || bottom === null) continue;
          const w = (width * profile.volume[i]!) / max;
          ctx.fillRect(mediaSize.width - w, top, w, Math.max(1, bottom - top - 1));
        }
      }
    });
  }
}

/** The smallest gap between distinct prices: a row of the heat or the profile is one such step tall. */
function priceStep(prices: Float64Array): number {
  const sorted = Float64Array.from(new Set(prices)).sort();
  let step = Number.POSITIVE_INFINITY;
  for (let i = 1; i < sorted.length; i++) step = Math.min(step, sorted[i]! - sorted[i - 1]!);
  return Number.isFinite(step) && step > 0 ? step : 1;
}
