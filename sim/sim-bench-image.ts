import type { Random } from "../src/core/seeded-random.ts";
import { encodePng } from "./png-image.ts";

/** RGB of each colour word of the scene vocabulary. */
const RGB: Readonly<Record<string, [number, number, number]>> = {
  red: [200, 40, 40],
  blue: [40, 70, 200],
  green: [40, 160, 60],
  yellow: [230, 210, 40],
  white: [250, 250, 250],
  black: [20, 20, 20],
  orange: [240, 140, 30],
  purple: [130, 50, 170],
  brown: [120, 80, 40],
  grey: [128, 128, 128],
  pink: [240, 150, 190],
};

const SIZE = 48;
const CELL = 12;

/**
 * A small real PNG for one simulated benchmark item: `count` squares (1–9) of `colour` on a
 * seeded background, so images differ between items; the item's scene is read from these
 * bytes (`sceneKey`), not from the squares. Intake, hashing and loaders need real files.
 */
export function benchImage(rng: Random, colour: string, count: number): Buffer {
  const fg = RGB[colour] ?? RGB.grey!;
  const bg: [number, number, number] = [160 + rng.int(90), 160 + rng.int(90), 160 + rng.int(90)];
  const cells = new Set<number>();
  const wanted = Math.min(9, Math.max(1, Math.round(count)));
  while (cells.size < wanted) cells.add(rng.int(16));
  return encodePng(SIZE, SIZE, (x, y) => {
    const inside = x % CELL > 1 && x % CELL < CELL - 2 && y % CELL > 1 && y % CELL < CELL - 2;
    const cell = Math.floor(y / CELL) * 4 + Math.floor(x / CELL);
    return inside && cells.has(cell) ? fg : bg;
  });
}
