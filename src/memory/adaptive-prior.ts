import { existsSync } from 'node:fs';
import type { Normalisation } from './embedding.js';
import { memoryPath } from './paths.js';
import { MemoryStore } from './store.js';

/** A skill as the adaptive strategy names it: a strategy and (some of) its parameters. */
export interface SkillSpec {
  name: string;
  params?: Record<string, unknown>;
}

/** Parameters in a canonical text (keys sorted), to match a skill spec to stored episodes. */
export function canonicalParams(params: Record<string, unknown> | undefined): string {
  const given = params ?? {};
  const sorted = Object.keys(given)
    .sort()
    .map((k) => [k, given[k]]);
  return JSON.stringify(sorted);
}

/**
 * Outcomes of past decisions stored in the memory database for these skills (decision episodes whose
 * strategy and parameters match a skill), sorted by the time each became known. The adaptive strategy
 * admits each only once a bar's time reaches that `knownAt`. A missing database gives none.
 */
export function loadAdaptivePrior(
  skills: readonly SkillSpec[],
  db?: string,
): {
  prior: { skill: number; state: Float32Array; reward: number; knownAt: number }[];
  normalisation: Normalisation;
} {
  const path = memoryPath(db);
  if (!existsSync(path)) {
    return { prior: [], normalisation: MemoryStore.defaultNormalisation() };
  }
  const store = MemoryStore.open({ path });
  try {
    const keys = skills.map((s) => `${s.name} ${canonicalParams(s.params)}`);
    const prior = store.decisionOutcomes().flatMap((row) => {
      const skill = keys.indexOf(`${row.strategy} ${canonicalParams(row.params)}`);
      return skill < 0 ? [] : [{ skill, state: row.state, reward: row.reward, knownAt: row.knownAt }];
    });
    prior.sort((a, b) => a.knownAt - b.knownAt);
    return { prior, normalisation: store.normalisation };
  } finally {
    store.close();
  }
}
