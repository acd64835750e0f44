/** The benchmark's PNG writer: a file any decoder reads, holding the pixels drawn. */
import { inflateSync } from "node:zlib";
import { Raster, crc32 } from "./png";

/** The chunks of a PNG file, by type, in order. */
function chunks(png: Buffer): { type: string; data: Buffer; crcOk: boolean }[] {
  const out = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    const type = png.toString("ascii", at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    out.push({ type, data, crcOk: png.readUInt32BE(at + 8 + length) === crc32(png.subarray(at + 4, at + 8 + length)) });
    at += 12 + length;
  }
  return out;
}

test("crc32 is the standard CRC-32 (check value of 123456789)", () => {
  expect(crc32(Buffer.from("123456789"))).toBe(0xcbf43926);
});

test("writes the signature, IHDR, IDAT and IEND with valid CRCs, and the drawn pixels", () => {
  const img = new Raster(4, 3, [255, 255, 255]);
  img.set(1, 2, [10, 20, 30]);
  const png = img.png();
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const cs = chunks(png);
  expect(cs.map((c) => [c.type, c.crcOk])).toEqual([["IHDR", true], ["IDAT", true], ["IEND", true]]);
  expect([cs[0].data.readUInt32BE(0), cs[0].data.readUInt32BE(4), cs[0].data[8], cs[0].data[9]]).toEqual([4, 3, 8, 2]);
  const raw = inflateSync(cs[1].data);
  expect(raw.length).toBe(3 * (1 + 4 * 3));
  const pixel = (x: number, y: number) => [...raw.subarray(y * 13 + 1 + x * 3, y * 13 + 1 + x * 3 + 3)];
  expect(pixel(1, 2)).toEqual([10, 20, 30]);
  expect(pixel(0, 0)).toEqual([255, 255, 255]);
  expect([0, 1, 2].map((y) => raw[y * 13])).toEqual([0, 0, 0]);
});

test("fails the CRC check on a corrupted chunk", () => {
  const png = new Raster(2, 2).png();
  png[20] ^= 0xff;
  expect(chunks(png).map((c) => c.crcOk)).toEqual([false, true, true]);
});
