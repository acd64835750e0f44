/**
 * A minimal PNG writer (8-bit RGB, no interlace) on node:zlib, for the benchmark's plots: a raster, a few drawing
 * primitives and a 3x5 pixel font for axis labels. Enough for a line chart; no dependency.
 */
import { deflateSync } from "node:zlib";

export type Rgb = readonly [number, number, number];

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 as PNG (and zlib) define it. */
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "ascii");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** Glyphs of the font, 3 columns x 5 rows, one string of five rows per character ('#' is ink). */
const GLYPHS: Readonly<Record<string, string>> = {
  "0": "###,#.#,#.#,#.#,###", "1": ".#.,##.,.#.,.#.,###", "2": "###,..#,###,#..,###", "3": "###,..#,.##,..#,###",
  "4": "#.#,#.#,###,..#,..#", "5": "###,#..,###,..#,###", "6": "###,#..,###,#.#,###", "7": "###,..#,.#.,.#.,.#.",
  "8": "###,#.#,###,#.#,###", "9": "###,#.#,###,..#,###", k: "#..,#.#,##.,#.#,#.#", M: "#.#,###,###,#.#,#.#",
  m: "...,##.,###,#.#,#.#", s: "...,.##,##.,..#,##.", ".": "...,...,...,...,.#.", " ": "...,...,...,...,...",
  "%": "#.#,..#,.#.,#..,#.#", e: "...,###,###,#..,.##", r: "...,#.#,##.,#..,#..", i: ".#.,...,.#.,.#.,.#.",
};

export class Raster {
  private readonly pixels: Buffer;

  constructor(readonly width: number, readonly height: number, background: Rgb = [255, 255, 255]) {
    this.pixels = Buffer.alloc(width * height * 3);
    for (let i = 0; i < width * height; i++) this.pixels.set(background, i * 3);
  }

  set(x: number, y: number, color: Rgb): void {
    const px = Math.round(x);
    const py = Math.round(y);
    if (px < 0 || py < 0 || px >= this.width || py >= this.height) return;
    this.pixels.set(color, (py * this.width + px) * 3);
  }

  /** A line `thickness` pixels wide (a square brush stepped along it). */
  line(x0: number, y0: number, x1: number, y1: number, color: Rgb, thickness = 1): void {
    const steps = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0)));
    const r = (thickness - 1) / 2;
    for (let i = 0; i <= steps; i++) {
      const x = x0 + ((x1 - x0) * i) / steps;
      const y = y0 + ((y1 - y0) * i) / steps;
      for (let dx = -r; dx <= r; dx++) for (let dy = -r; dy <= r; dy++) this.set(x + dx, y + dy, color);
    }
  }

  /** A dashed line: `on` pixels drawn, `off` skipped. */
  dashed(x0: number, y0: number, x1: number, y1: number, color: Rgb, on = 6, off = 4): void {
    const length = Math.hypot(x1 - x0, y1 - y0);
    for (let d = 0; d < length; d += on + off) {
      const a = d / length;
      const b = Math.min(1, (d + on) / length);
      this.line(x0 + (x1 - x0) * a, y0 + (y1 - y0) * a, x0 + (x1 - x0) * b, y0 + (y1 - y0) * b, color);
    }
  }

  square(cx: number, cy: number, size: number, color: Rgb): void {
    for (let dx = -size; dx <= size; dx++) for (let dy = -size; dy <= size; dy++) this.set(cx + dx, cy + dy, color);
  }

  /** Text in the 3x5 font at `scale` pixels per font pixel, left-aligned at (x, y) top. Unknown characters are blank. */
  text(x: number, y: number, s: string, color: Rgb, scale = 2): void {
    [...s].forEach((ch, i) => {
      const rows = (GLYPHS[ch] ?? GLYPHS[" "]).split(",");
      rows.forEach((row, ry) => {
        [...row].forEach((cell, rx) => {
          if (cell !== "#") return;
          for (let sx = 0; sx < scale; sx++) for (let sy = 0; sy < scale; sy++) this.set(x + (i * 4 + rx) * scale + sx, y + ry * scale + sy, color);
        });
      });
    });
  }

  /** Width in pixels of `s` in the font at `scale`. */
  static textWidth(s: string, scale = 2): number {
    return s.length * 4 * scale - scale;
  }

  /** The PNG file: signature, IHDR, one IDAT (each scanline with filter type 0), IEND. */
  png(): Buffer {
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(this.width, 0);
    ihdr.writeUInt32BE(this.height, 4);
    ihdr[8] = 8; // bit depth
    ihdr[9] = 2; // colour type: RGB
    const raw = Buffer.alloc((this.width * 3 + 1) * this.height);
    for (let y = 0; y < this.height; y++) this.pixels.copy(raw, y * (this.width * 3 + 1) + 1, y * this.width * 3, (y + 1) * this.width * 3);
    const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    return Buffer.concat([signature, chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
  }
}
