/**
 * The rule benchmark's plot: evaluation time against active series, both axes logarithmic. Blue: all groups per
 * evaluation interval, its goal (10% of the interval) dashed; orange: the slowest group, its goal (100 ms) dashed.
 */
import { Raster, Rgb } from "./png";

export interface PlotPoint {
  readonly series: number;
  readonly totalMs: number;
  readonly slowestGroupMs: number;
}

const BLUE: Rgb = [31, 119, 180];
const ORANGE: Rgb = [255, 127, 14];
const GREY: Rgb = [120, 120, 120];
const LIGHT: Rgb = [230, 230, 230];
const INK: Rgb = [40, 40, 40];

const decadeLabel = (v: number, unit: "series" | "ms"): string => {
  if (unit === "series") return v >= 1e6 ? `${v / 1e6}M` : `${v / 1e3}k`;
  return v >= 1000 ? `${v / 1000}s` : `${v}ms`;
};

/** The PNG of the curve; `goals` in ms. */
export function ruleCostPlot(points: readonly PlotPoint[], goals: { slowestGroupMs: number; totalMs: number }): Buffer {
  const width = 720;
  const height = 440;
  const left = 90;
  const right = 30;
  const top = 30;
  const bottom = 60;
  const img = new Raster(width, height);
  const xMin = 1e3;
  const xMax = 1e7;
  const values = points.flatMap((p) => [p.totalMs, p.slowestGroupMs]).filter((v) => v > 0);
  const yMin = 10 ** Math.floor(Math.log10(Math.min(1, ...values)));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(goals.totalMs * 2, ...values)));
  const x = (v: number) => left + ((Math.log10(v) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin))) * (width - left - right);
  const y = (v: number) => height - bottom - ((Math.log10(v) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * (height - top - bottom);

  for (let d = xMin; d <= xMax; d *= 10) {
    img.line(x(d), top, x(d), height - bottom, LIGHT);
    const label = decadeLabel(d, "series");
    img.text(x(d) - Raster.textWidth(label) / 2, height - bottom + 10, label, INK);
  }
  for (let d = yMin; d <= yMax; d *= 10) {
    img.line(left, y(d), width - right, y(d), LIGHT);
    const label = decadeLabel(d, "ms");
    img.text(left - 10 - Raster.textWidth(label), y(d) - 5, label, INK);
  }
  img.line(left, height - bottom, width - right, height - bottom, INK);
  img.line(left, top, left, height - bottom, INK);
  img.dashed(left, y(goals.slowestGroupMs), width - right, y(goals.slowestGroupMs), ORANGE);
  img.dashed(left, y(goals.totalMs), width - right, y(goals.totalMs), BLUE);
  const sorted = [...points].sort((a, b) => a.series - b.series);
  for (const [key, color] of [["totalMs", BLUE], ["slowestGroupMs", ORANGE]] as const) {
    sorted.forEach((p, i) => {
      if (i > 0) img.line(x(sorted[i - 1].series), y(sorted[i - 1][key]), x(p.series), y(p[key]), color, 3);
    });
    for (const p of sorted) img.square(x(p.series), y(p[key]), 4, color);
  }
  img.text(left, height - 22, "series", GREY);
  return img.png();
}
