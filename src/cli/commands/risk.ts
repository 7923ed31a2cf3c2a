import type { Command } from 'commander';

// Commands for this capability are registered here (flags only; load the library lazily in actions).
export function register(_program: Command): void {}
