// A dependency-free SVG line chart: freeze window (y, log scale) against a benchmark axis, one line per method.

export interface ChartSeries {
  name: string;
  color: string;
  /** y values per x label (NaN = no value). */
  values: number[];
}

export interface ChartPanel {
  title: string;
  xLabels: string[];
  series: ChartSeries[];
}

const W = 420;
const H = 260;
const M = { l: 58, r: 12, t: 28, b: 40 };

/** Several panels side by side in one SVG document; y is log10 milliseconds. */
export function renderChart(title: string, panels: ChartPanel[], yLabel = 'freeze window (ms, log scale)'): string {
  const all = panels.flatMap((p) => p.series.flatMap((s) => s.values)).filter((v) => Number.isFinite(v) && v > 0);
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...all, 10))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...all, 100))));
  const y = (v: number) => M.t + (H - M.t - M.b) * (1 - (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)));
  const parts: string[] = [];
  panels.forEach((p, i) => {
    const ox = i * W;
    const x = (k: number) => ox + M.l + (W - M.l - M.r) * (p.xLabels.length === 1 ? 0.5 : k / (p.xLabels.length - 1));
    parts.push(`<text x="${ox + W / 2}" y="18" text-anchor="middle" font-weight="bold">${esc(p.title)}</text>`);
    for (let d = lo; d <= hi; d *= 10) {
      parts.push(`<line x1="${ox + M.l}" x2="${ox + W - M.r}" y1="${y(d)}" y2="${y(d)}" stroke="#ddd"/>`);
      parts.push(`<text x="${ox + M.l - 6}" y="${y(d) + 4}" text-anchor="end">${d >= 1000 ? `${d / 1000}s` : `${d}`}</text>`);
    }
    p.xLabels.forEach((l, k) => parts.push(`<text x="${x(k)}" y="${H - M.b + 16}" text-anchor="middle">${esc(l)}</text>`));
    for (const s of p.series) {
      const pts = s.values.map((v, k) => (Number.isFinite(v) && v > 0 ? `${x(k).toFixed(1)},${y(v).toFixed(1)}` : null));
      const segs = pts.filter((q): q is string => q !== null);
      if (segs.length) parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${segs.join(' ')}"/>`);
      for (const q of segs) {
        const [cx, cy] = q.split(',');
        parts.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${s.color}"/>`);
      }
    }
  });
  const legend = (panels[0]?.series ?? []).map(
    (s, k) =>
      `<rect x="${M.l + k * 130}" y="${H + 6}" width="12" height="12" fill="${s.color}"/><text x="${M.l + k * 130 + 16}" y="${H + 16}">${esc(s.name)}</text>`,
  );
  const width = W * panels.length;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${H + 50}" viewBox="0 0 ${width} ${H + 50}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<title>${esc(title)}</title>`,
    `<text x="6" y="${H / 2}" transform="rotate(-90 10 ${H / 2})" text-anchor="middle">${esc(yLabel)}</text>`,
    ...parts,
    ...legend,
    `<text x="${width - 6}" y="${H + 44}" text-anchor="end" fill="#666">${esc(title)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
