/** A small line or scatter plot in SVG for a model page: axes with their ranges, optional y = x diagonal. */
export function SvgPlot(p: { points: { x: number; y: number; r?: number }[]; line?: boolean; diagonal?: boolean; xLabel: string; yLabel: string; testId: string; domain?: { x: [number, number]; y: [number, number] } }) {
  const W = 320;
  const H = 180;
  const M = 46;
  const xs = p.points.map((q) => q.x);
  const ys = p.points.map((q) => q.y);
  const [x0, x1] = p.domain?.x ?? [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = p.domain?.y ?? [Math.min(...ys), Math.max(...ys)];
  const sx = (x: number): number => M + ((x - x0) / (x1 - x0 || 1)) * (W - M - 8);
  const sy = (y: number): number => H - M - ((y - y0) / (y1 - y0 || 1)) * (H - M - 8);
  const fmt = (v: number): string => (Math.abs(v) >= 100 || Number.isInteger(v) ? String(Math.round(v)) : v.toPrecision(3));
  return (
    <svg viewBox={`0 0 ${W} ${H}`} width={W} height={H} className="svg-plot" role="img" aria-label={`${p.yLabel} by ${p.xLabel}`} data-testid={p.testId}>
      <line x1={M} y1={H - M} x2={W - 8} y2={H - M} className="axis" />
      <line x1={M} y1={8} x2={M} y2={H - M} className="axis" />
      {p.diagonal && <line x1={sx(x0)} y1={sy(y0)} x2={sx(x1)} y2={sy(y1)} className="diagonal" />}
      {p.line && p.points.length > 1 && <polyline points={p.points.map((q) => `${sx(q.x)},${sy(q.y)}`).join(' ')} className="series" />}
      {!p.line && p.points.map((q, i) => <circle key={i} cx={sx(q.x)} cy={sy(q.y)} r={q.r ?? 3} className="series-point" />)}
      <text x={M} y={H - M + 14} className="tick">
        {fmt(x0)}
      </text>
      <text x={W - 8} y={H - M + 14} className="tick" textAnchor="end">
        {fmt(x1)}
      </text>
      <text x={M - 4} y={H - M} className="tick" textAnchor="end">
        {fmt(y0)}
      </text>
      <text x={M - 4} y={14} className="tick" textAnchor="end">
        {fmt(y1)}
      </text>
      <text x={(W + M) / 2} y={H - 4} className="label" textAnchor="middle">
        {p.xLabel}
      </text>
      <text x={9} y={(H - M) / 2} className="label" textAnchor="middle" transform={`rotate(-90 9 ${(H - M) / 2})`}>
        {p.yLabel}
      </text>
    </svg>
  );
}
