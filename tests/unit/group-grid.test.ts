// The grid avatar's pieces, in Node: WeChat's layout, the two decoders (each face shrunk to its
// cell as it is read) and the picture they make. The worker specs (tests/worker/group-grid.test.ts)
// cover when grids are made and who may fetch them.
import jpeg from "jpeg-js";
import { describe, expect, it } from "vitest";
import { decodeFace } from "../../worker/lib/image/face";
import { cellSize, GRID, gridLayout, initialOf, renderGrid, tileColour } from "../../worker/lib/image/grid";
import { solidJpeg, solidPng } from "../support/pictures";

type RGB = [number, number, number];

function pixel(img: { width: number; data: Uint8Array }, x: number, y: number): RGB {
  const i = (y * img.width + x) * 4;
  return [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!];
}

function near(actual: RGB, expected: readonly number[], tolerance = 12) {
  expect(
    actual.every((v, i) => Math.abs(v - expected[i]!) <= tolerance),
    `${actual} ≈ ${expected}`,
  ).toBe(true);
}

describe("the grid's layout, as WeChat draws it", () => {
  it("lets one face fill the square", () => {
    expect(gridLayout(1)).toEqual([{ x: 0, y: 0, cell: GRID.size }]);
  });

  it("puts two to four faces in a 2×2 grid, the first row holding the remainder, centred", () => {
    const four = gridLayout(4);
    const cell = (GRID.size - 3 * GRID.gap) / 2;
    expect(four.map((s) => [s.x, s.y])).toEqual([
      [GRID.gap, GRID.gap],
      [GRID.gap * 2 + cell, GRID.gap],
      [GRID.gap, GRID.gap * 2 + cell],
      [GRID.gap * 2 + cell, GRID.gap * 2 + cell],
    ]);
    const three = gridLayout(3);
    expect(three[0]!.x).toBe(Math.floor((GRID.size - cell) / 2)); // alone on the first row, centred
    expect(three.slice(1).map((s) => s.y)).toEqual([three[0]!.y + cell + GRID.gap, three[0]!.y + cell + GRID.gap]);
    const two = gridLayout(2);
    expect(two.map((s) => s.y)).toEqual([Math.floor((GRID.size - cell) / 2), Math.floor((GRID.size - cell) / 2)]); // one row, centred top to bottom
  });

  it("puts five to nine faces in a 3×3 grid, rows centred top to bottom", () => {
    const cell = Math.floor((GRID.size - 4 * GRID.gap) / 3);
    const five = gridLayout(5);
    expect(five.filter((s) => s.y === five[0]!.y)).toHaveLength(2);
    expect(five[0]!.x + cell + GRID.gap / 2).toBeCloseTo(GRID.size / 2, -1); // the pair straddles the middle
    const rowsHeight = 2 * cell + GRID.gap;
    expect(five[0]!.y).toBe(Math.floor((GRID.size - rowsHeight) / 2));
    const nine = gridLayout(9);
    expect(new Set(nine.map((s) => s.y)).size).toBe(3);
    expect(nine.every((s) => s.cell === cell && s.x + s.cell <= GRID.size && s.y + s.cell <= GRID.size)).toBe(true);
    expect(gridLayout(12)).toHaveLength(9);
  });
});

describe("faces", () => {
  it("decodes a PNG of each colour type straight into the cell, transparency over white", async () => {
    for (const colorType of [0, 2, 3, 4, 6] as const) {
      const face = await decodeFace(await solidPng([200, 40, 40], 300, 200, colorType), 20);
      expect(face.cell).toBe(20);
      const expected = colorType === 0 || colorType === 4 ? [200, 200, 200] : [200, 40, 40];
      near([face.rgb[0]!, face.rgb[1]!, face.rgb[2]!], expected, 2);
    }
    const seeThrough = await decodeFace(await solidPng([0, 0, 0], 40, 40, 6, 0), 10);
    near([seeThrough.rgb[0]!, seeThrough.rgb[1]!, seeThrough.rgb[2]!], [255, 255, 255], 1);
  });

  it("takes the centre square of a picture that is not square", async () => {
    // Left half red, right half blue, 200×100: the centre square's left half is red, right half blue.
    const face = await decodeFace(solidJpeg([255, 0, 0], 200, 100, [0, 0, 255]), 10);
    near([face.rgb[0]!, face.rgb[1]!, face.rgb[2]!], [255, 0, 0], 30);
    const last = (10 * 10 - 1) * 3;
    near([face.rgb[last]!, face.rgb[last + 1]!, face.rgb[last + 2]!], [0, 0, 255], 30);
  });

  it("refuses what it cannot draw (the caller draws a placeholder)", async () => {
    await expect(decodeFace(new TextEncoder().encode("GIF89a…"), 10)).rejects.toThrow();
    await expect(decodeFace((await solidPng([1, 2, 3], 10, 10, 2)).subarray(0, 60), 10)).rejects.toThrow();
  });
});

describe("the picture", () => {
  it("draws faces in their cells on light grey, and placeholders in their colour", async () => {
    const colours: RGB[] = [
      [230, 30, 30],
      [30, 200, 60],
      [30, 60, 230],
    ];
    const faces = await Promise.all(colours.map((c) => decodeFace(solidJpeg(c, 64, 64), cellSize(4))));
    const out = jpeg.decode(renderGrid([...faces, { seed: "u_someone", initial: initialOf("zoe") }]), { useTArray: true });
    expect([out.width, out.height]).toEqual([GRID.size, GRID.size]);
    const slots = gridLayout(4);
    colours.forEach((c, i) => near(pixel(out, slots[i]!.x + Math.floor(slots[i]!.cell / 2), slots[i]!.y + Math.floor(slots[i]!.cell / 2)), c));
    near(pixel(out, slots[3]!.x + 4, slots[3]!.y + 4), tileColour("u_someone"));
    // Light grey where no face is: above the single row of a grid of two.
    const two = jpeg.decode(renderGrid(faces.slice(0, 2)), { useTArray: true });
    near(pixel(two, GRID.size / 2, 10), GRID.background, 4);
  });

  it("costs little CPU: nine 640×640 JPEG faces and nine PNG faces decoded and drawn", async () => {
    // Noise is the dearest content for a JPEG decoder (every coefficient coded): a worst case for a photo.
    const noise = new Uint8Array(640 * 640 * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 2654435761) >>> 24));
    const encoded = jpeg.encode({ data: noise, width: 640, height: 640 }, 90).data;
    const photo = new Uint8Array(encoded.buffer, encoded.byteOffset, encoded.byteLength);
    const png = await solidPng([120, 80, 40], 640, 640, 2);
    for (const [what, bytes] of [
      ["jpeg", photo],
      ["png", png],
    ] as const) {
      const runs: number[] = [];
      for (let r = 0; r < 3; r++) {
        const start = performance.now();
        const faces = [];
        for (let i = 0; i < 9; i++) faces.push(await decodeFace(bytes, cellSize(9)));
        renderGrid(faces);
        runs.push(performance.now() - start);
      }
      console.log(`grid of nine 640×640 ${what} faces: ${runs.map((t) => `${t.toFixed(0)} ms`).join(", ")}`);
      expect(Math.min(...runs)).toBeLessThan(10_000); // a sanity bound: the figure itself is what the log line reports
    }
  });
});
