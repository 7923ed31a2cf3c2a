import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isNeuralTraderError } from '../../src/core/errors.js';
import { getLogLevel, setLogLevel, setLogSink } from '../../src/core/log.js';
import { findArbitrage } from '../../src/sports/arbitrage.js';
import { arbitrageEventsFromFeed } from '../../src/sports/feed-markets.js';
import { BetLedger } from '../../src/sports/ledger.js';
import { OddsApiClient } from '../../src/sports/odds-api.js';
import { OddsCache } from '../../src/sports/odds-cache.js';
import { settleFromScores } from '../../src/sports/reports.js';
import { FAKE_EVENTS, type FakeOddsApiServer, startFakeOddsApiServer } from '../fakes/index.js';

const KEY = 'odds-ZZ-secret-key-0123456789';
let server: FakeOddsApiServer;
let dir: string;
const waits: number[] = [];

function client(options: { cache?: boolean; apiKey?: string } = {}) {
  return new OddsApiClient({
    apiKey: options.apiKey ?? KEY,
    baseUrl: server.url,
    cache: options.cache === false ? false : new OddsCache(join(dir, `odds-${Math.random()}.sqlite`)),
    http: { maxRetries: 2, sleep: async (ms) => void waits.push(ms) },
  });
}

beforeAll(async () => {
  server = await startFakeOddsApiServer({ apiKey: KEY });
  dir = mkdtempSync(join(tmpdir(), 'nt-odds-'));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  server.reset();
  server.setQuota(500, 0);
  waits.length = 0;
});

describe('The Odds API v4 client (fake server on 127.0.0.1, documented JSON)', () => {
  it('lists sports and events, reads odds by region/market/bookmaker, one event, scores and history', async () => {
    const api = client();
    const sports = await api.sports();
    expect(sports.data.map((s) => s.key)).toEqual(['soccer_epl', 'tennis_atp_us_open']);
    expect(sports.data[0]).toMatchObject({ group: 'Soccer', hasOutrights: false });
    const events = await api.events('soccer_epl');
    expect(events.data[0]).toMatchObject({
      id: FAKE_EVENTS[0].id,
      homeTeam: 'Arsenal',
      commenceTime: Date.parse('2024-08-17T14:00:00Z'),
    });
    const odds = await api.odds('soccer_epl', { regions: ['uk', 'eu'], markets: ['h2h', 'totals'] });
    expect(odds.data).toHaveLength(2);
    expect(odds.data[0].bookmakers.map((b) => b.key).sort()).toEqual([
      'betfair_ex_uk',
      'pinnacle',
      'williamhill',
    ]);
    const totals = odds.data[0].bookmakers[0].markets.find((m) => m.key === 'totals');
    expect(totals?.outcomes[0]).toMatchObject({ name: 'Over', point: 2.5 });
    // The request carries the key in the query string and decimal prices were asked for.
    const sent = server.apiRequests().find((r) => r.path.endsWith('/odds'));
    expect(sent?.query).toMatchObject({
      apiKey: KEY,
      regions: 'uk,eu',
      markets: 'h2h,totals',
      oddsFormat: 'decimal',
    });
    expect(Object.values(sent?.headers ?? {}).join(' ')).not.toContain(KEY);
    expect(odds.quota).toMatchObject({ remaining: 496, used: 4, last: 4 });
    const byBookmaker = await api.odds('soccer_epl', { bookmakers: ['pinnacle'] });
    expect(byBookmaker.data[0].bookmakers.map((b) => b.key)).toEqual(['pinnacle']);
    const one = await api.eventOdds('soccer_epl', FAKE_EVENTS[1].id, { regions: ['uk'] });
    expect(one.data.homeTeam).toBe('Everton');
    const scores = await api.scores('soccer_epl', { daysFrom: 1 });
    expect(scores.data[0]).toMatchObject({ completed: true, score: { home: 2, away: 0 } });
    expect(scores.data[1].score).toBeNull();
    const history = await api.historicalOdds('soccer_epl', '2024-08-16T12:00:00Z', { regions: ['uk'] });
    expect(history.data.timestamp).toBe(Date.parse('2024-08-16T11:55:00Z'));
    expect(history.data.data).toHaveLength(2);
    expect(server.apiRequests().at(-1)?.query.date).toBe('2024-08-16T12:00:00Z');
  });

  it('finds the sure bet in the feed (best prices across bookmakers, exchange after commission)', async () => {
    const odds = await client().odds('soccer_epl', { regions: ['uk', 'eu'] });
    const arbs = findArbitrage(arbitrageEventsFromFeed(odds.data), { bankroll: 100_000 });
    expect(arbs.map((a) => a.eventId)).toEqual([FAKE_EVENTS[0].id]);
    expect(arbs[0].legs.map((l) => [l.outcome, l.bookmaker])).toEqual([
      ['Arsenal', 'betfair_ex_uk'],
      ['Draw', 'williamhill'],
      ['Wolverhampton Wanderers', 'williamhill'],
    ]);
    expect(arbs[0].legs[0].effectiveOdds).toBeCloseTo(1 + 0.5 * 0.98, 12);
  });

  it('settles open bets of completed events from the feed scores, once; running events stay open', async () => {
    const ledger = BetLedger.open({ path: join(dir, 'scores-ledger.sqlite') });
    const bet = {
      sport: 'soccer_epl',
      market: 'h2h',
      selection: 'home',
      bookmaker: 'pinnacle',
      odds: '1.5',
      stake: '10',
    };
    ledger.placeBet({ ...bet, betId: 's1', eventId: FAKE_EVENTS[0].id });
    ledger.placeBet({ ...bet, betId: 's2', eventId: FAKE_EVENTS[1].id });
    const scores = await client().scores('soccer_epl', { daysFrom: 3 });
    const first = settleFromScores(ledger, scores.data);
    expect(first.settled.map((s) => [s.eventId, s.score])).toEqual([
      [FAKE_EVENTS[0].id, { home: 2, away: 0 }],
    ]);
    expect(ledger.getBet('s1')).toMatchObject({ status: 'won', payout: 1500 });
    expect(ledger.getBet('s2')?.status).toBe('open');
    expect(settleFromScores(ledger, scores.data).settled).toHaveLength(0); // nothing settled twice
    ledger.close();
  });

  it('caches responses in SQLite: a repeat within the lifetime spends no request; historical snapshots are kept', async () => {
    const cachePath = join(dir, 'shared.sqlite');
    const first = new OddsApiClient({ apiKey: KEY, baseUrl: server.url, cache: new OddsCache(cachePath) });
    await first.odds('soccer_epl', { regions: ['uk'] });
    await first.historicalOdds('soccer_epl', '2024-08-16', { regions: ['uk'] });
    const requests = server.apiRequests().length;
    const second = new OddsApiClient({ apiKey: KEY, baseUrl: server.url, cache: new OddsCache(cachePath) });
    const again = await second.odds('soccer_epl', { regions: ['uk'] });
    expect(again.fromCache).toBe(true);
    expect(again.data).toHaveLength(2);
    expect((await second.historicalOdds('soccer_epl', '2024-08-16', { regions: ['uk'] })).fromCache).toBe(
      true,
    );
    expect(server.apiRequests()).toHaveLength(requests);
    const fresh = await second.odds('soccer_epl', { regions: ['uk'], refresh: true });
    expect(fresh.fromCache).toBe(false);
    // A cached answer is served without a key (nothing is sent); a miss needs one.
    const keyless = new OddsApiClient({ baseUrl: server.url, cache: new OddsCache(cachePath) });
    expect((await keyless.odds('soccer_epl', { regions: ['uk'] })).fromCache).toBe(true);
    await expect(keyless.odds('soccer_epl', { regions: ['eu'] })).rejects.toThrow(/ODDS_API_KEY is not set/);
  });

  it('retries 5xx and burst 429 (honouring Retry-After), but not a 429 for an exhausted quota', async () => {
    const api = client({ cache: false });
    server.script(
      { status: 503, body: { message: 'busy' } },
      {
        status: 429,
        body: { message: 'slow down' },
        headers: { 'retry-after': '3', 'x-requests-remaining': '400' },
      },
    );
    const ok = await api.events('soccer_epl');
    expect(ok.data).toHaveLength(2);
    expect(waits).toHaveLength(2);
    expect(waits[1]).toBe(3000);
    server.setQuota(500, 500);
    waits.length = 0;
    await expect(api.odds('soccer_epl', { regions: ['uk'] })).rejects.toThrow(
      /odds-api: the request quota is used up \(HTTP 429, x-requests-used 500\)/,
    );
    expect(waits).toHaveLength(0);
    // Once the quota is known to be used up, nothing more is requested.
    const before = server.requests.length;
    await expect(api.odds('soccer_epl', { regions: ['eu'] })).rejects.toThrow(
      /quota is used up .*nothing was requested/,
    );
    expect(server.requests.length).toBe(before);
    expect(api.quota).toMatchObject({ remaining: 0, used: 500 });
  });

  it('errors: bad key, unknown event, rejected parameters and malformed input, one line each', async () => {
    await expect(client({ apiKey: 'wrong-key-000000' }).sports()).rejects.toThrow(
      /odds-api: authentication failed \(HTTP 401\): API key is not valid/,
    );
    await expect(
      client().eventOdds('soccer_epl', 'ffffffffffffffffffffffffffffffff', { regions: ['uk'] }),
    ).rejects.toThrow(
      /odds-api: event "ffffffffffffffffffffffffffffffff" not found \(HTTP 404\): Event not found/,
    );
    server.script({
      status: 422,
      body: { message: 'Invalid markets parameter', error_code: 'INVALID_MARKET' },
    });
    await expect(
      client({ cache: false }).odds('soccer_epl', { regions: ['uk'], markets: ['corners'] }),
    ).rejects.toThrow(/odds-api: request rejected \(HTTP 422\): Invalid markets parameter/);
    await expect(client().odds('Soccer EPL')).rejects.toThrow(
      /sport: "Soccer EPL" is not a key of The Odds API/,
    );
    await expect(client().odds('soccer_epl', { regions: ['mars' as 'uk'] })).rejects.toThrow(
      /regions: unknown region "mars"/,
    );
    await expect(client().odds('soccer_epl', { commenceTimeFrom: 'tomorrow' })).rejects.toThrow(
      /commenceTimeFrom: "tomorrow" is not a date/,
    );
    await expect(client().scores('soccer_epl', { daysFrom: 9 })).rejects.toThrow(
      /daysFrom: must be 1, 2 or 3/,
    );
    server.script({ status: 200, body: [{ id: 'x', sport_key: 'soccer_epl', commence_time: 'soon' }] });
    await expect(client({ cache: false }).events('soccer_epl')).rejects.toThrow(
      /odds-api: unexpected response to \/v4\/sports\/soccer_epl\/events: 0.commence_time/,
    );
  });

  it('never writes the key to a log line or an error, even at trace level and on every failure', async () => {
    const lines: string[] = [];
    const previousSink = setLogSink((line) => lines.push(line));
    const previousLevel = getLogLevel();
    setLogLevel('trace');
    const texts: string[] = [];
    const capture = async (run: () => Promise<unknown>) => {
      try {
        await run();
      } catch (error) {
        if (!isNeuralTraderError(error)) throw error;
        texts.push(error.toUserString(), String(error.stack), JSON.stringify(error));
      }
    };
    try {
      const api = client({ cache: false });
      await capture(() => api.odds('soccer_epl', { regions: ['uk'] }));
      server.script(
        { status: 500, body: { message: `internal error for apiKey=${KEY}` } },
        { status: 500 },
        { status: 500 },
      );
      await capture(() => api.events('soccer_epl'));
      server.script({ status: 404, body: { message: 'nope' } });
      await capture(() => api.eventOdds('soccer_epl', FAKE_EVENTS[0].id, { regions: ['uk'] }));
      server.script({ status: 200, body: 'not json' });
      await capture(() => api.sports());
      await capture(() =>
        new OddsApiClient({
          apiKey: KEY,
          baseUrl: 'http://127.0.0.1:9',
          cache: false,
          http: { maxRetries: 0 },
        }).sports(),
      );
    } finally {
      setLogSink(previousSink);
      setLogLevel(previousLevel);
    }
    expect(texts.length).toBeGreaterThanOrEqual(4);
    expect(lines.length).toBeGreaterThan(0);
    for (const text of [...lines, ...texts]) expect(text).not.toContain(KEY);
  });
});
