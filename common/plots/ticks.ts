// Axis ticks: "nice" steps (1, 2, 2.5 or 5 times a power of ten) and their labels.

export interface Ticks {
  /** The axis runs from the first tick to the last. */
  values: number[];
  step: number;
  /** Digits after the point that tell every tick apart. */
  decimals: number;
}

const clean = (x: number) => Number(x.toPrecision(12));

function niceStep(raw: number): { step: number; decimals: number } {
  const exp = Math.floor(Math.log10(raw));
  const mag = 10 ** exp;
  const norm = raw / mag;
  const mult = norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10;
  const step = clean(mult * mag);
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9) + (mult === 2.5 ? 1 : 0));
  return { step, decimals };
}

/** About `target` ticks covering [lo, hi], at multiples of a nice step. */
export function niceTicks(lo: number, hi: number, target = 5): Ticks {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return niceTicks(0, 1, target);
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi - lo < 1e-12) hi = lo + (Math.abs(lo) > 1e-12 ? Math.abs(lo) : 1);
  const { step, decimals } = niceStep((hi - lo) / Math.max(1, target));
  const start = Math.floor(clean(lo / step)) * step;
  const end = Math.ceil(clean(hi / step)) * step;
  const values: number[] = [];
  for (let i = 0; clean(start + i * step) <= clean(end); i++) values.push(clean(start + i * step));
  return { values, step, decimals };
}

/** Ticks for epochs 1..n: every epoch when few, else 1 and the multiples of a nice whole step. */
export function epochTicks(n: number, target = 6): Ticks {
  const last = Math.max(1, Math.floor(n));
  if (last <= target + 1) return { values: Array.from({ length: last }, (_, i) => i + 1), step: 1, decimals: 0 };
  const step = Math.max(1, Math.round(niceStep((last - 1) / target).step));
  const values = [1];
  for (let v = step; v <= last; v += step) if (v > 1) values.push(v);
  return { values, step, decimals: 0 };
}

/** 0, 0.2, …, 1: rates and probabilities. */
export const UNIT_TICKS: Ticks = { values: [0, 0.2, 0.4, 0.6, 0.8, 1], step: 0.2, decimals: 1 };

/** A tick's label: no more digits than the step needs, no trailing zeros ("0", "0.2", "1"). */
export function tickLabel(v: number, ticks: Ticks): string {
  return String(Number(v.toFixed(ticks.decimals)));
}
