/**
 * A progress bar on stderr for long work (downloads, sweeps, training). It draws only when stderr is a
 * terminal; otherwise it prints a line at most every few seconds so CI logs stay readable.
 */
export interface Progress {
  update(done: number, note?: string): void;
  finish(note?: string): void;
}

export function createProgress(
  label: string,
  total: number,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  const interactive = Boolean(stream.isTTY);
  const started = Date.now();
  let lastDraw = 0;
  const draw = (done: number, note = '', force = false) => {
    const now = Date.now();
    if (!force && now - lastDraw < (interactive ? 80 : 5000)) return;
    lastDraw = now;
    const fraction = total > 0 ? Math.min(1, done / total) : 0;
    const elapsed = (now - started) / 1000;
    const eta = fraction > 0 ? elapsed / fraction - elapsed : Number.NaN;
    const width = 24;
    const filled = Math.round(fraction * width);
    const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
    const etaText = Number.isFinite(eta) ? ` eta ${eta.toFixed(0)}s` : '';
    const text = `${label} [${bar}] ${done}/${total} ${(fraction * 100).toFixed(0)}%${etaText}${note ? ` ${note}` : ''}`;
    if (interactive) stream.write(`\r${text}\x1b[K`);
    else stream.write(`${text}\n`);
  };
  return {
    update: (done, note) => draw(done, note),
    finish: (note) => {
      draw(total, note, true);
      if (interactive) stream.write('\n');
    },
  };
}
