import { describe, expect, it } from 'vitest';
import { renderChart } from './svg-chart';

describe('renderChart', () => {
  it('draws one polyline per series with points on a log scale, skipping missing values', () => {
    const svg = renderChart('t <1>', [
      {
        title: 'by memory',
        xLabels: ['16 MiB', '1 GiB'],
        series: [
          { name: 'hand', color: '#c00', values: [100, 1000] },
          { name: 'ferry', color: '#00c', values: [NaN, 50] },
        ],
      },
    ]);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg.match(/<circle/g)).toHaveLength(3);
    expect(svg).toContain('t &lt;1&gt;');
    // 100 ms sits exactly one decade above 10 ms on the axis.
    const ys = [...svg.matchAll(/<text x="\d+(?:\.\d+)?" y="([\d.]+)" text-anchor="end">(10|100|1s)</g)].map((m) => Number(m[1]));
    expect(ys[0]! - ys[1]!).toBeCloseTo(ys[1]! - ys[2]!, 5);
  });
});
