// A group's avatar as WeChat draws it: up to nine members' faces on a light grey square. One face
// fills it; two to four sit in a 2×2 grid, five to nine in a 3×3, the first row holding the
// remainder, centred, and the rows centred top to bottom. A member without a picture is a
// coloured tile with their initial (Latin letters and digits; other scripts get the tile alone).
// Pure: faces in, JPEG bytes out (jpeg-js, pure JS, so it runs in a Worker).
import jpeg from "jpeg-js";
import type { Face } from "./face";

export const GRID = { size: 240, gap: 6, background: [221, 222, 224], quality: 85, max: 9 } as const;

export interface Slot {
  x: number;
  y: number;
  cell: number;
}

/** Where each of `n` faces (1–9) goes on a `size` square. */
export function gridLayout(n: number, size: number = GRID.size, gap: number = GRID.gap): Slot[] {
  const count = Math.max(1, Math.min(GRID.max, n));
  if (count === 1) return [{ x: 0, y: 0, cell: size }];
  const cols = count <= 4 ? 2 : 3;
  const cell = Math.floor((size - gap * (cols + 1)) / cols);
  const rows = Math.ceil(count / cols);
  const first = count - (rows - 1) * cols;
  const top = Math.floor((size - (rows * cell + (rows - 1) * gap)) / 2);
  const slots: Slot[] = [];
  for (let r = 0; r < rows; r++) {
    const inRow = r === 0 ? first : cols;
    const left = Math.floor((size - (inRow * cell + (inRow - 1) * gap)) / 2);
    for (let i = 0; i < inRow; i++) slots.push({ x: left + i * (cell + gap), y: top + r * (cell + gap), cell });
  }
  return slots;
}

/** The size each face is decoded to for a grid of `n`. */
export const cellSize = (n: number) => gridLayout(n)[0]!.cell;

/** A member without a usable picture: a tile in a colour of their own, with their initial. */
export interface Placeholder {
  seed: string;
  initial: string;
}

const TILE_COLOURS: [number, number, number][] = [
  [87, 107, 149],
  [7, 193, 96],
  [250, 157, 59],
  [16, 174, 255],
  [250, 81, 81],
  [135, 104, 231],
  [0, 168, 150],
  [232, 112, 170],
];

export function tileColour(seed: string): [number, number, number] {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193);
  return TILE_COLOURS[(h >>> 0) % TILE_COLOURS.length]!;
}

// 5×7 glyphs, one string of 7 rows (5 bits each, high bit left) per character.
const FONT: Record<string, number[]> = {
  A: [14, 17, 17, 31, 17, 17, 17],
  B: [30, 17, 17, 30, 17, 17, 30],
  C: [14, 17, 16, 16, 16, 17, 14],
  D: [30, 17, 17, 17, 17, 17, 30],
  E: [31, 16, 16, 30, 16, 16, 31],
  F: [31, 16, 16, 30, 16, 16, 16],
  G: [14, 17, 16, 23, 17, 17, 15],
  H: [17, 17, 17, 31, 17, 17, 17],
  I: [14, 4, 4, 4, 4, 4, 14],
  J: [7, 2, 2, 2, 2, 18, 12],
  K: [17, 18, 20, 24, 20, 18, 17],
  L: [16, 16, 16, 16, 16, 16, 31],
  M: [17, 27, 21, 21, 17, 17, 17],
  N: [17, 17, 25, 21, 19, 17, 17],
  O: [14, 17, 17, 17, 17, 17, 14],
  P: [30, 17, 17, 30, 16, 16, 16],
  Q: [14, 17, 17, 17, 21, 18, 13],
  R: [30, 17, 17, 30, 20, 18, 17],
  S: [15, 16, 16, 14, 1, 1, 30],
  T: [31, 4, 4, 4, 4, 4, 4],
  U: [17, 17, 17, 17, 17, 17, 14],
  V: [17, 17, 17, 17, 17, 10, 4],
  W: [17, 17, 17, 21, 21, 21, 10],
  X: [17, 17, 10, 4, 10, 17, 17],
  Y: [17, 17, 10, 4, 4, 4, 4],
  Z: [31, 1, 2, 4, 8, 16, 31],
  "0": [14, 17, 19, 21, 25, 17, 14],
  "1": [4, 12, 4, 4, 4, 4, 14],
  "2": [14, 17, 1, 2, 4, 8, 31],
  "3": [31, 2, 4, 2, 1, 17, 14],
  "4": [2, 6, 10, 18, 31, 2, 2],
  "5": [31, 16, 30, 1, 1, 17, 14],
  "6": [6, 8, 16, 30, 17, 17, 14],
  "7": [31, 1, 2, 4, 8, 8, 8],
  "8": [14, 17, 17, 14, 17, 17, 14],
  "9": [14, 17, 17, 15, 1, 2, 12],
};

/** The first character of a name, upper-cased, as the tile shows it. */
export function initialOf(name: string): string {
  return ([...name.trim()][0] ?? "").toUpperCase();
}

type Canvas = { size: number; rgba: Uint8Array };

function fill(c: Canvas, x0: number, y0: number, w: number, h: number, [r, g, b]: readonly number[]) {
  for (let y = y0; y < y0 + h; y++) {
    for (let x = x0; x < x0 + w; x++) {
      const i = (y * c.size + x) * 4;
      c.rgba[i] = r!;
      c.rgba[i + 1] = g!;
      c.rgba[i + 2] = b!;
      c.rgba[i + 3] = 255;
    }
  }
}

function drawPlaceholder(c: Canvas, slot: Slot, p: Placeholder) {
  fill(c, slot.x, slot.y, slot.cell, slot.cell, tileColour(p.seed));
  const glyph = FONT[p.initial];
  if (!glyph) return;
  const dot = Math.max(1, Math.floor(slot.cell / 12)); // the glyph is 5×7 dots, about half the tile high
  const gx = slot.x + Math.floor((slot.cell - 5 * dot) / 2);
  const gy = slot.y + Math.floor((slot.cell - 7 * dot) / 2);
  glyph.forEach((bits, row) => {
    for (let col = 0; col < 5; col++) if (bits & (16 >> col)) fill(c, gx + col * dot, gy + row * dot, dot, dot, [255, 255, 255]);
  });
}

function drawFace(c: Canvas, slot: Slot, face: Face) {
  for (let y = 0; y < slot.cell; y++) {
    for (let x = 0; x < slot.cell; x++) {
      // Faces are decoded to the slot's size; one of another size is sampled to fit.
      const s = (Math.floor((y * face.cell) / slot.cell) * face.cell + Math.floor((x * face.cell) / slot.cell)) * 3;
      const i = ((slot.y + y) * c.size + slot.x + x) * 4;
      c.rgba[i] = face.rgb[s]!;
      c.rgba[i + 1] = face.rgb[s + 1]!;
      c.rgba[i + 2] = face.rgb[s + 2]!;
      c.rgba[i + 3] = 255;
    }
  }
}

/** The grid as JPEG bytes: a Face for each member with a picture, a Placeholder for the rest. */
export function renderGrid(tiles: (Face | Placeholder)[]): Uint8Array {
  const c: Canvas = { size: GRID.size, rgba: new Uint8Array(GRID.size * GRID.size * 4) };
  fill(c, 0, 0, GRID.size, GRID.size, GRID.background);
  const slots = gridLayout(tiles.length);
  tiles.slice(0, slots.length).forEach((t, i) => {
    if ("rgb" in t) drawFace(c, slots[i]!, t);
    else drawPlaceholder(c, slots[i]!, t);
  });
  const out = jpeg.encode({ data: c.rgba, width: GRID.size, height: GRID.size }, GRID.quality).data;
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
