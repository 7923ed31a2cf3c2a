// Writes src/memory/normalisation-defaults.ts from the bundled samples (run after `npm run build`).
import { writeFileSync } from 'node:fs';
import { fitDefaultNormalisation } from '../dist/memory/fit-defaults.js';

const stats = fitDefaultNormalisation();
const text = `import type { Normalisation } from './types.js';

/**
 * The default normalisation of market-state features, fitted on bundled real data by
 * scripts/memory-normalisation.mjs (fitDefaultNormalisation in fit-defaults.ts); a test re-derives it.
 * A memory database stores the normalisation it was created with and keeps using it.
 */
export const DEFAULT_NORMALISATION: Normalisation = ${JSON.stringify(stats, null, 2)};
`;
writeFileSync(new URL('../src/memory/normalisation-defaults.ts', import.meta.url), text);
console.log(stats.std.map((s) => s.toPrecision(3)).join(' '));
