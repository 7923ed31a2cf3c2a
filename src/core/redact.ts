/**
 * Secrets must never reach a log line or an error message. Config registers every secret value it
 * loads; `redact` replaces any registered value (and common credential shapes in URLs and headers)
 * with `***`. The logger and the CLI's error printer pass everything through it as a last line of
 * defence; code should still avoid putting secrets into messages in the first place.
 */
const secretValues = new Set<string>();

/** Register a value that must never be printed. Short values are ignored (too many false hits). */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 6) secretValues.add(value);
}

export function clearSecretsForTests(): void {
  secretValues.clear();
}

// A credential after its name: `Authorization: Bearer abc`, `api_key=abc`, `"secret": "abc"`. Values that
// are placeholders in a hint (`<token>`, `...`, `***`, `$ALPACA_API_KEY`) are not secrets and stay
// readable, so a hint never turns into `ALPACA_API_KEY=***`.
const HEADER_PATTERN =
  /((?:APCA-API-KEY-ID|APCA-API-SECRET-KEY|Authorization|apiKey|api_key|apikey|token|secret)["']?\s*[:=]\s*["']?)((?:Bearer\s+)?)([^\s"'&,}]+)/gi;
const PLACEHOLDER = /^(?:<|\.\.\.|\*\*\*|\$)/;

export function redact(text: string): string {
  let out = text;
  for (const secret of secretValues) {
    if (out.includes(secret)) out = out.split(secret).join('***');
  }
  return out.replace(HEADER_PATTERN, (match: string, name: string, _bearer: string, value: string) =>
    PLACEHOLDER.test(value) ? match : `${name}***`,
  );
}
