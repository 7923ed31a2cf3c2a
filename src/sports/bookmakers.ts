import { ValidationError } from '../core/errors.js';

/**
 * Bookmakers the bet ledger accepts, by The Odds API's keys (so a price read from the feed can be booked
 * under the same name). Exchanges charge commission on net winnings instead of building a margin into
 * their prices. The list covers The Odds API's UK, EU, US and AU regions as documented in 2024-2025;
 * `paper` is for bets that exist only in the paper ledger.
 */
const BOOKMAKERS: Readonly<Record<string, { title: string; exchange?: boolean }>> = {
  paper: { title: 'Paper (no bookmaker)' },
  // UK
  betfair_ex_uk: { title: 'Betfair Exchange (UK)', exchange: true },
  betfair_sb_uk: { title: 'Betfair Sportsbook' },
  betvictor: { title: 'Bet Victor' },
  betway: { title: 'Betway' },
  boylesports: { title: 'BoyleSports' },
  casumo: { title: 'Casumo' },
  coral: { title: 'Coral' },
  grosvenor: { title: 'Grosvenor' },
  ladbrokes_uk: { title: 'Ladbrokes' },
  leovegas: { title: 'LeoVegas' },
  livescorebet: { title: 'LiveScore Bet' },
  matchbook: { title: 'Matchbook', exchange: true },
  mrgreen: { title: 'Mr Green' },
  paddypower: { title: 'Paddy Power' },
  skybet: { title: 'Sky Bet' },
  smarkets: { title: 'Smarkets', exchange: true },
  sport888: { title: '888sport' },
  unibet_uk: { title: 'Unibet (UK)' },
  virginbet: { title: 'Virgin Bet' },
  williamhill: { title: 'William Hill' },
  // EU
  betclic: { title: 'Betclic' },
  betfair_ex_eu: { title: 'Betfair Exchange (EU)', exchange: true },
  betonlineag: { title: 'BetOnline.ag' },
  betsson: { title: 'Betsson' },
  coolbet: { title: 'Coolbet' },
  everygame: { title: 'Everygame' },
  gtbets: { title: 'GTbets' },
  marathonbet: { title: 'Marathon Bet' },
  mybookieag: { title: 'MyBookie.ag' },
  nordicbet: { title: 'NordicBet' },
  onexbet: { title: '1xBet' },
  pinnacle: { title: 'Pinnacle' },
  suprabets: { title: 'Suprabets' },
  tipico_de: { title: 'Tipico' },
  unibet_eu: { title: 'Unibet (EU)' },
  // US
  ballybet: { title: 'Bally Bet' },
  betmgm: { title: 'BetMGM' },
  betrivers: { title: 'BetRivers' },
  betus: { title: 'BetUS' },
  bovada: { title: 'Bovada' },
  draftkings: { title: 'DraftKings' },
  espnbet: { title: 'ESPN BET' },
  fanduel: { title: 'FanDuel' },
  fliff: { title: 'Fliff' },
  hardrockbet: { title: 'Hard Rock Bet' },
  lowvig: { title: 'LowVig.ag' },
  williamhill_us: { title: 'Caesars' },
  // AU
  betfair_ex_au: { title: 'Betfair Exchange (AU)', exchange: true },
  betr_au: { title: 'Betr' },
  ladbrokes_au: { title: 'Ladbrokes (AU)' },
  neds: { title: 'Neds' },
  playup: { title: 'PlayUp' },
  pointsbetau: { title: 'PointsBet (AU)' },
  sportsbet: { title: 'SportsBet' },
  tab: { title: 'TAB' },
  tabtouch: { title: 'TABtouch' },
  unibet: { title: 'Unibet (AU)' },
};

export const KNOWN_BOOKMAKERS: readonly string[] = Object.keys(BOOKMAKERS);

export function isExchange(bookmaker: string): boolean {
  return BOOKMAKERS[bookmaker]?.exchange === true;
}

export function bookmakerTitle(bookmaker: string): string {
  return BOOKMAKERS[bookmaker]?.title ?? bookmaker;
}

/** A known bookmaker key (case-insensitive), or one clear error with the closest keys. */
export function parseBookmaker(input: string, field = 'bookmaker'): string {
  const key = String(input).trim().toLowerCase();
  if (key in BOOKMAKERS) return key;
  const stem = key.replace(/[^a-z0-9]/g, '').slice(0, 4);
  const near =
    stem.length > 0 ? KNOWN_BOOKMAKERS.filter((b) => b.replace(/_/g, '').startsWith(stem)).slice(0, 4) : [];
  throw new ValidationError(`${field}: unknown bookmaker "${key.slice(0, 40)}"`, {
    field,
    hint:
      near.length > 0
        ? `did you mean ${near.join(', ')}? (The Odds API bookmaker keys; "paper" for paper bets)`
        : 'use a bookmaker key of The Odds API, e.g. pinnacle, williamhill, draftkings, betfair_ex_uk, or "paper"',
  });
}
