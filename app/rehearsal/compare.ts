// Predicted against measured, part by part: what the Review view and the CLI show for a record that kept a prediction.
import type { MigrationRecord } from '../model/migration';
import { foldParts } from './part-names';

export interface ComparedPart {
  name: string;
  predictedMs?: number;
  measuredMs?: number;
  /** (predicted − measured) / measured, in %. */
  errorPct?: number;
}

export interface PredictionComparison {
  mode: string;
  from: 'rehearsal' | 'preflight';
  total: ComparedPart;
  parts: ComparedPart[];
}

/** Relative error of a prediction in % (undefined when nothing was measured). */
export function errorPct(predicted: number, measured: number | undefined): number | undefined {
  if (measured === undefined || !(measured > 0)) return undefined;
  return Math.round(((predicted - measured) / measured) * 1000) / 10;
}

/** The record's prediction beside its measured freeze (undefined without a prediction). */
export function comparePrediction(r: Pick<MigrationRecord, 'prediction' | 'freeze' | 'freezeParts'>): PredictionComparison | undefined {
  const p = r.prediction;
  if (!p) return undefined;
  const measured = foldParts(r.freezeParts ?? []);
  const parts: ComparedPart[] = p.parts.map((x) => {
    const m = measured.find((q) => q.name === x.name)?.ms;
    const e = errorPct(x.ms, m);
    return { name: x.name, predictedMs: x.ms, ...(m !== undefined ? { measuredMs: m } : {}), ...(e !== undefined ? { errorPct: e } : {}) };
  });
  for (const m of measured) if (!parts.some((x) => x.name === m.name)) parts.push({ name: m.name, measuredMs: m.ms });
  const e = errorPct(p.ms, r.freeze?.ms);
  return {
    mode: p.mode,
    from: p.from,
    total: {
      name: 'freeze',
      predictedMs: p.ms,
      ...(r.freeze?.ms !== undefined ? { measuredMs: r.freeze.ms } : {}),
      ...(e !== undefined ? { errorPct: e } : {}),
    },
    parts,
  };
}
