import { loadConfig } from '../core/config.js';
import { defaultMemoryPath } from './store.js';

/** The database path a call uses when none is given: NEURAL_TRADER_HOME/memory/memory.db. */
export function memoryPath(db?: string): string {
  return db ?? defaultMemoryPath(loadConfig({ applyLogLevel: false }).home);
}
