import { memoryPath } from './paths.js';
import { MemoryStore, type RetrieveOptions, type SelectSkillOptions, type SkillChoice } from './store.js';
import type { Episode, EpisodeInput, OutcomeInput, SimilarResult, Skill, SkillInput } from './types.js';

export type { AnnParameters } from './ann.js';
export { AnnIndex, DEFAULT_ANN_PARAMETERS } from './ann.js';
export type { Normalisation, StateBar, StateSeries } from './embedding.js';
export {
  EMBEDDING_DIMENSION,
  EMBEDDING_FEATURES,
  EMBEDDING_VERSION,
  EMBEDDING_WARMUP,
  embedMarketState,
  fitNormalisation,
  MarketStateEncoder,
  normaliseState,
  rawStateFeatures,
} from './embedding.js';
export { DEFAULT_NORMALISATION } from './normalisation-defaults.js';
export { recordBacktestEpisodes } from './record.js';
export type { ArmScore, NeighbourOutcome, SelectionMethod, SkillStats } from './selection.js';
export { addOutcome, chooseArm, kernelWeights, rewardVariance, successRate } from './selection.js';
export type {
  MemoryExport,
  OpenMemoryOptions,
  RetrieveOptions,
  SelectSkillOptions,
  SkillChoice,
} from './store.js';
export { defaultMemoryPath, MemoryStore, summariseOutcomes } from './store.js';
export type {
  Episode,
  EpisodeFilter,
  EpisodeInput,
  EpisodeKind,
  MemoryStats,
  Outcome,
  OutcomeInput,
  OutcomeSummary,
  SearchMethod,
  SimilarEpisode,
  SimilarResult,
  Skill,
  SkillInput,
} from './types.js';
export { EPISODE_KINDS, MAX_K } from './types.js';

/** Which memory a facade call uses: an open store, or a database path (default NEURAL_TRADER_HOME/memory/memory.db). */
export interface MemoryTarget {
  memory?: MemoryStore;
  db?: string;
}

/** Open the memory (created on first use). Close it when done. */
export function openMemory(db?: string): MemoryStore {
  return MemoryStore.open({ path: memoryPath(db) });
}

function withMemory<T>(target: MemoryTarget, fn: (store: MemoryStore) => T): T {
  if (target.memory) return fn(target.memory);
  const store = openMemory(target.db);
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

export function storeEpisode(input: EpisodeInput, target: MemoryTarget = {}): Episode {
  return withMemory(target, (m) => m.storeEpisode(input));
}

export function recordOutcome(episodeId: number, outcome: OutcomeInput, target: MemoryTarget = {}): Episode {
  return withMemory(target, (m) => m.recordOutcome(episodeId, outcome));
}

export function retrieveSimilar(
  state: ArrayLike<number>,
  options: RetrieveOptions = {},
  target: MemoryTarget = {},
): SimilarResult {
  return withMemory(target, (m) => m.retrieveSimilar(state, options));
}

export function createSkill(input: SkillInput, target: MemoryTarget = {}): Skill {
  return withMemory(target, (m) => m.createSkill(input));
}

export function searchSkills(
  options: Parameters<MemoryStore['searchSkills']>[0] = {},
  target: MemoryTarget = {},
): (Skill & { distance?: number })[] {
  return withMemory(target, (m) => m.searchSkills(options));
}

export function updateSkillStats(
  skill: number | string,
  outcome: { reward: number; success?: boolean },
  target: MemoryTarget = {},
): Skill {
  return withMemory(target, (m) => m.updateSkillStats(skill, outcome));
}

export function selectSkill(options: SelectSkillOptions = {}, target: MemoryTarget = {}): SkillChoice {
  return withMemory(target, (m) => m.selectSkill(options));
}

export { marketStateAt } from './market-state.js';
export { recallSimilar, resolveState, storeEpisodeRequest } from './requests.js';
