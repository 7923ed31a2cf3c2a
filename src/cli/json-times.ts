/**
 * The faces' JSON date convention for library results that carry epoch-millisecond timestamps in
 * fields named `...At`, `periodStart` or `periodEnd`: ISO 8601 text, `YYYY-MM-DD` when every timestamp
 * of the output is midnight UTC, otherwise `YYYY-MM-DDTHH:mm:ssZ` (milliseconds kept only when present)
 * for all of them. Used by the CLI's --json and by MCP tool results.
 */
const TIME_KEY = /(?:At|^at|^periodStart|^periodEnd|_at|^period_start|^period_end)$/;

function collect(value: unknown, out: number[]): void {
  if (Array.isArray(value)) for (const item of value) collect(item, out);
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (TIME_KEY.test(key) && typeof inner === 'number') out.push(inner);
      else collect(inner, out);
    }
  }
}

function convert(value: unknown, format: (ts: number) => string): unknown {
  if (Array.isArray(value)) return value.map((item) => convert(item, format));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      out[key] = TIME_KEY.test(key) && typeof inner === 'number' ? format(inner) : convert(inner, format);
    }
    return out;
  }
  return value;
}

/** A copy of `value` with its timestamp fields as ISO text (see the module comment). */
export function withIsoTimes<T>(value: T): T {
  const times: number[] = [];
  collect(value, times);
  const midnight = times.every((t) => t % 86_400_000 === 0);
  const format = (ts: number) => {
    const iso = new Date(ts).toISOString();
    if (midnight) return iso.slice(0, 10);
    return iso.endsWith('.000Z') ? `${iso.slice(0, 19)}Z` : iso;
  };
  return convert(value, format) as T;
}
