import { ValidationError } from '../core/errors.js';
import type { MinorUnits } from '../core/money.js';

/**
 * Tax withheld from a member's share of a distribution, by the member's jurisdiction.
 *
 * ILLUSTRATIVE RATES, NOT TAX ADVICE. The table shows the mechanism with round numbers of the
 * magnitude of common withholding on investment income (2024); real liability depends on the member's
 * situation, treaties and the kind of income. A syndicate sets its own rates with the
 * `withholdingRates` rule, which overrides this table per jurisdiction.
 *
 * Rates are held in parts per million so the tax on an amount is an exact integer computation:
 * tax = floor(gross x ppm / 1,000,000), rounded down in the member's favour; net = gross - tax.
 */
export const ILLUSTRATIVE_WITHHOLDING_RATES: Readonly<Record<string, number>> = {
  // No withholding (a member who handles their own tax, or a tax-exempt jurisdiction).
  NONE: 0,
  US: 0.24, // US backup-withholding rate
  GB: 0.2, // UK basic rate
  DE: 0.26375, // German flat tax with solidarity surcharge
  CH: 0.35, // Swiss withholding tax
  AU: 0.3,
  JP: 0.20315,
};

export const PPM = 1_000_000;

/** A jurisdiction code as members give it: letters, upper-cased ("us" -> "US"). */
export function parseJurisdiction(input: string, field = 'jurisdiction'): string {
  const code = String(input).trim().toUpperCase();
  if (!/^[A-Z]{2,8}$/.test(code)) {
    throw new ValidationError(`${field}: "${String(input).slice(0, 20)}" is not a jurisdiction code`, {
      field,
      hint: `use a country code such as ${Object.keys(ILLUSTRATIVE_WITHHOLDING_RATES).join(', ')}`,
    });
  }
  return code;
}

/** Rate in parts per million for a jurisdiction: the syndicate's own table first, then the illustrative one. */
export function withholdingRatePpm(
  jurisdiction: string,
  overrides: Readonly<Record<string, number>> = {},
): number {
  const rate = overrides[jurisdiction] ?? ILLUSTRATIVE_WITHHOLDING_RATES[jurisdiction];
  if (rate === undefined) {
    throw new ValidationError(`withholding: no rate for jurisdiction ${jurisdiction}`, {
      field: 'jurisdiction',
      hint: `add it to the syndicate's withholdingRates rule, or use one of ${Object.keys(ILLUSTRATIVE_WITHHOLDING_RATES).join(', ')}`,
    });
  }
  return Math.round(rate * PPM);
}

/** Exact tax on `gross` minor units at `ppm` (floor, so never more than the rate). */
export function withholdingTax(gross: MinorUnits, ppm: number): MinorUnits {
  if (gross <= 0 || ppm <= 0) return 0;
  return Number((BigInt(gross) * BigInt(ppm)) / BigInt(PPM));
}
