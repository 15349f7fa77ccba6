/** A line plot: points (x, y) in data units. */
export interface PlotInput {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly points: readonly (readonly [x: number, y: number])[];
}

const W = 800;
const H = 400;
const M = { left: 70, right: 20, top: 40, bottom: 50 };

const escapeXml = (text: string): string =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** A round step giving about `count` ticks over `span`. */
function tickStep(span: number, count: number): number {
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw || 1));
  const step = [1, 2, 5, 10].map((f) => f * magnitude).find((s) => span / s <= count) ?? 10 * magnitude;
  return step;
}

const label = (n: number): string =>
  Math.abs(n) >= 1000 ? n.toLocaleString('en-US') : String(+n.toFixed(2));

/** A self-contained SVG: axes with ticks and labels, the title, and the points as one polyline. */
export function linePlot(input: PlotInput): string {
  const xs = input.points.map((p) => p[0]);
  const ys = input.points.map((p) => p[1]);
  const xMax = Math.max(1e-9, ...xs);
  const yMax = Math.max(1e-9, ...ys) * 1.05;
  const px = (x: number): number => M.left + (x / xMax) * (W - M.left - M.right);
  const py = (y: number): number => H - M.bottom - (y / yMax) * (H - M.top - M.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(input.title)}</text>`,
    `<line x1="${M.left}" y1="${H - M.bottom}" x2="${W - M.right}" y2="${H - M.bottom}" stroke="black"/>`,
    `<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${H - M.bottom}" stroke="black"/>`,
  ];
  const xStep = tickStep(xMax, 10);
  for (let x = 0; x <= xMax + 1e-9; x += xStep) {
    parts.push(
      `<line x1="${px(x)}" y1="${H - M.bottom}" x2="${px(x)}" y2="${H - M.bottom + 5}" stroke="black"/>`,
      `<text x="${px(x)}" y="${H - M.bottom + 18}" text-anchor="middle">${label(x)}</text>`,
    );
  }
  const yStep = tickStep(yMax, 8);
  for (let y = 0; y <= yMax + 1e-9; y += yStep) {
    parts.push(
      `<line x1="${M.left}" y1="${py(y)}" x2="${W - M.right}" y2="${py(y)}" stroke="#ddd"/>`,
      `<text x="${M.left - 6}" y="${py(y) + 4}" text-anchor="end">${label(y)}</text>`,
    );
  }
  parts.push(
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 12}" text-anchor="middle">${escapeXml(input.xLabel)}</text>`,
    `<text x="16" y="${(M.top + H - M.bottom) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(M.top + H - M.bottom) / 2})">${escapeXml(input.yLabel)}</text>`,
    `<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="${input.points
      .map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`)
      .join(' ')}"/>`,
    '</svg>',
  );
  return `${parts.join('\n')}\n`;
}
