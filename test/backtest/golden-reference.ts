import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export interface ReferenceFill {
  date: string;
  side: string;
  size: number;
  price: number;
  commission: number;
  cashAfter: number;
}

/** The golden fill log (golden/ref_fills_2520.csv; origin in golden/README.txt). */
export function referenceFills(): ReferenceFill[] {
  return readFileSync(resolve(import.meta.dirname, 'golden/ref_fills_2520.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [date, side, size, price, commission, cashAfter] = line.split(',');
      return {
        date,
        side: side.toLowerCase(),
        size: Number(size),
        price: Number(price),
        commission: Number(commission),
        cashAfter: Number(cashAfter),
      };
    });
}
