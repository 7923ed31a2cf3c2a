import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BetLedger } from '../../src/sports/ledger.js';
import { FAKE_EVENTS, type FakeOddsApiServer, startFakeOddsApiServer } from '../fakes/index.js';
import { expectUserError, ROOT, runCli, scratchDir } from '../helpers/cli.js';
import { runCli as runCliAsync } from '../mcp/helpers.js';

const KEY = 'cli-odds-ZZ-key-9876543210';
let home: string;
let server: FakeOddsApiServer;
const ledgerPath = () => join(home, 'nt', 'sports', 'bets.sqlite');
const sports = (args: string[], env: Record<string, string> = {}) => runCli(['sports', ...args], home, env);

beforeAll(async () => {
  home = scratchDir('nt-sports-cli-');
  server = await startFakeOddsApiServer({ apiKey: KEY });
});
afterAll(async () => {
  await server.close();
  rmSync(home, { recursive: true, force: true });
});

describe('sports CLI: odds maths, Kelly, models (offline)', () => {
  it('odds --prices converts and de-margins a market (Shin z of the published example)', () => {
    const r = sports(['odds', '--prices', '2.6,2.4,4.3', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.prices[0]).toMatchObject({ decimal: '2.60', american: '+160', fractional: '8/5' });
    const shin = report.methods.find((m: { method: string }) => m.method === 'shin');
    expect(shin.parameter).toBeCloseTo(0.01694251276407055, 10);
    const table = sports(['odds', '--prices', '+150,-200']);
    expect(table.stdout).toMatch(/\+150\s+2\.50\s+\+150\s+3\/2\s+40\.00%/);
    expect(table.stdout).toMatch(/overround 6\.67%/);
  });

  it('ev gives what the library (and MCP calculate_expected_value) gives, to the digit', async () => {
    const { betValue } = await import('../../src/sports/index.js');
    const r = sports([
      'ev',
      '--odds',
      '+110',
      '--prob',
      '0.52',
      '--market',
      '2.1,3.4,3.6',
      '--selection',
      '0',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(
      betValue({ probability: 0.52, price: '+110', marketPrices: ['2.1', '3.4', '3.6'], selection: 0 }),
    );
    expectUserError(
      sports(['ev', '--odds', '2.1', '--prob', '0.5', '--market', '2.1,3.4', '--selection', '5']),
      /selection/,
    );
  });

  it('kelly for exclusive outcomes and independent events, with stakes in money', () => {
    const r = sports([
      'kelly',
      '--odds',
      '2.5,3,3.5',
      '--prob',
      '0.5,0.3,0.2',
      '--fraction',
      '1',
      '--max-bet',
      '1',
      '--max-event',
      '1',
      '--bankroll',
      '1000',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const k = JSON.parse(r.stdout);
    expect(k.rows.map((row: { fullKelly: number }) => Number(row.fullKelly.toFixed(12)))).toEqual([
      0.2, 0.05, 0,
    ]);
    expect(k.rows.map((row: { stake: string }) => row.stake)).toEqual(['200.00', '50.00', '0.00']);
    const ind = sports([
      'kelly',
      '--odds',
      '2,2',
      '--prob',
      '0.6,0.6',
      '--independent',
      '--fraction',
      '1',
      '--max-bet',
      '1',
      '--max-day',
      '1',
    ]);
    expect(ind.stdout).toMatch(/19\.23%/);
    expect(ind.stdout).toMatch(/independent events, solved jointly/);
  });

  it('model fit saves a Dixon-Coles model; predict prices every market from it; value compares with given odds', () => {
    const fit = sports([
      'model',
      'fit',
      '--league',
      'EPL',
      '--season',
      '2018-2019',
      '--save',
      'epl19',
      '--json',
    ]);
    expect(fit.code).toBe(0);
    const fitted = JSON.parse(fit.stdout);
    expect(fitted).toMatchObject({ league: 'EPL', seasons: ['2018-2019'], matches: 380 });
    expect(fitted.ratings[0].team).toMatch(/Manchester City|Liverpool FC/);
    expect(existsSync(join(home, 'nt', 'sports', 'models', 'epl19.json'))).toBe(true);
    const predicted = JSON.parse(
      sports(['model', 'predict', '--model', 'epl19', '--home', 'Liverpool', '--away', 'Arsenal', '--json'])
        .stdout,
    );
    expect(predicted.homeTeam).toBe('Liverpool FC');
    expect(predicted.outcome.home + predicted.outcome.draw + predicted.outcome.away).toBeCloseTo(1, 12);
    expect(predicted.totals.map((t: { line: number }) => t.line)).toEqual([1.5, 2.5, 3.5]);
    const value = sports([
      'value',
      '--model',
      'epl19',
      '--home',
      'Liverpool FC',
      '--away',
      'Arsenal FC',
      '--odds',
      '1.6,4.5,5.5',
      '--threshold',
      '0',
    ]);
    expect(value.stdout).toMatch(/Liverpool FC v Arsenal FC\s+home/);
    const elo = sports(['model', 'fit', '--league', 'GER1', '--kind', 'elo', '--season', '2010-2011']);
    expect(elo.stdout.split('\n')[2]).toMatch(/^\S.*\d{4}\.\d$/);
  });

  it('arbitrage scans a saved feed file and prints stakes that pay the same on every outcome', () => {
    const r = sports([
      'arbitrage',
      '--file',
      join(ROOT, 'examples/sports-odds.json'),
      '--bankroll',
      '1000',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.opportunities.map((o: { homeTeam: string }) => o.homeTeam)).toEqual([
      'West Ham United',
      'Arsenal',
    ]);
    expect(report.opportunities[0].stakes).toMatchObject({
      totalStake: '1000.00',
      guaranteedProfit: '27.39',
    });
  });

  it('model evaluate prints the table with the market next to the models (one league, Elo)', () => {
    const r = sports(['model', 'evaluate', '--leagues', 'GER1', '--models', 'elo', '--json']);
    expect(r.code).toBe(0);
    const e = JSON.parse(r.stdout);
    expect(e.rows.map((row: { name: string }) => row.name)).toContain('market:shin');
    expect(e.rows.find((row: { name: string }) => row.name === 'elo').matches).toBe(e.matchesEvaluated);
  });
});

describe('sports CLI: bet ledger', () => {
  it('places, refuses a duplicate id with other details, settles from the score, reports P&L by bookmaker', () => {
    const place = sports([
      'bets',
      'place',
      '--sport',
      'soccer_epl',
      '--event',
      'evt1',
      '--market',
      '1x2',
      '--selection',
      'home',
      '--odds',
      '2.10',
      '--stake',
      '10',
      '--bookmaker',
      'pinnacle',
      '--bet-id',
      'c1',
      '--json',
    ]);
    expect(place.code).toBe(0);
    expect(JSON.parse(place.stdout)).toMatchObject({
      id: 'c1',
      stake: '10.00',
      created: true,
      balance: '990.00',
    });
    const again = sports([
      'bets',
      'place',
      '--sport',
      'soccer_epl',
      '--event',
      'evt1',
      '--market',
      '1x2',
      '--selection',
      'home',
      '--odds',
      '2.1',
      '--stake',
      '10.00',
      '--bookmaker',
      'pinnacle',
      '--bet-id',
      'c1',
    ]);
    expect(again.stdout).toMatch(/already booked/);
    sports([
      'bets',
      'place',
      '--sport',
      'soccer_epl',
      '--event',
      'evt1',
      '--market',
      'asian-handicap',
      '--selection',
      'away',
      '--line',
      '0.25',
      '--odds',
      '+105',
      '--stake',
      '25.01',
      '--bookmaker',
      'williamhill',
      '--bet-id',
      'c2',
    ]);
    const settle = sports(['bets', 'settle', '--event', 'evt1', '--score', '1-1', '--json']);
    expect(
      JSON.parse(settle.stdout).settled.map((b: { status: string; payout: string }) => [b.status, b.payout]),
    ).toEqual([
      ['lost', '0.00'],
      ['half-won', '38.14'],
    ]);
    const report = JSON.parse(sports(['bets', 'report', '--by', 'bookmaker', '--json']).stdout);
    expect(report).toMatchObject({ balance: '1003.13', openStake: '0.00', realisedProfit: '3.13' });
    expect(report.performance.map((r: { key: string; profit: string }) => [r.key, r.profit])).toEqual([
      ['pinnacle', '-10.00'],
      ['williamhill', '13.13'],
    ]);
  });

  it('bad input: one clear error line each, exit 1, nothing written', () => {
    const before = BetLedger.open({ path: ledgerPath() });
    const bets = before.listBets().length;
    const cash = before.cashEntries().length;
    before.close();
    const place = (change: Record<string, string>) => {
      const flags: Record<string, string> = {
        '--sport': 'soccer_epl',
        '--event': 'evt2',
        '--market': 'h2h',
        '--selection': 'home',
        '--odds': '2.0',
        '--stake': '5',
        '--bookmaker': 'pinnacle',
        ...change,
      };
      return sports(['bets', 'place', ...Object.entries(flags).flat()]);
    };
    expectUserError(place({ '--odds': '1.0' }), /odds: odds must be more than 1/);
    expectUserError(place({ '--odds': '0.5' }), /odds: odds must be more than 1/);
    expectUserError(place({ '--stake': '0' }), /stake: must be more than zero/);
    expectUserError(place({ '--stake': '-3' }), /stake: .*not a decimal amount|stake: must be positive/);
    expectUserError(place({ '--stake': 'Infinity' }), /stake: "Infinity" is not a decimal amount/);
    expectUserError(place({ '--bookmaker': 'bet366' }), /bookmaker: unknown bookmaker "bet366"/);
    expectUserError(place({ '--market': 'corners' }), /market: unknown market "corners"/);
    expectUserError(
      sports(['bets', 'settle', '--event', 'no-such-match', '--score', '1-0']),
      /unknown match/,
    );
    expectUserError(sports(['bets', 'settle', '--event', 'evt1', '--score', '1-1']), /already has a result/);
    expectUserError(
      sports(['bets', 'settle', '--bet', 'c1', '--status', 'won']),
      /bet c1 is already settled/,
    );
    expectUserError(
      sports(['kelly', '--odds', '2.0', '--prob', '1.2']),
      /probabilities\[0\]: a probability must be between 0 and 1, got 1.2/,
    );
    expectUserError(sports(['kelly', '--odds', '1', '--prob', '0.5']), /odds\[0\]: odds must be more than 1/);
    expectUserError(sports(['odds', '--prices', '2.5,0.9']), /prices\[1\]: odds must be more than 1/);
    const after = BetLedger.open({ path: ledgerPath() });
    expect(after.listBets()).toHaveLength(bets);
    expect(after.cashEntries()).toHaveLength(cash);
    after.close();
  });
});

describe('sports CLI: The Odds API through the fake server', () => {
  const env = () => ({ ODDS_API_KEY: KEY, ODDS_API_BASE_URL: server.url });
  // The fake server lives in this process: the CLI must run without blocking the event loop.
  const sports = async (args: string[], extra: Record<string, string> = {}) => {
    const r = await runCliAsync(
      { home: join(home, 'nt'), cwd: home, cleanup: () => undefined },
      ['sports', ...args],
      extra,
    );
    return { code: r.code, stdout: r.stdout, stderr: r.stderr };
  };

  it('lists sports, prints odds with the quota, scans live odds for arbitrage; the key never appears', async () => {
    const list = await sports(['odds'], env());
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/soccer_epl\s+Soccer\s+EPL/);
    const odds = await sports(['odds', '--sport', 'soccer_epl', '--regions', 'uk,eu'], env());
    expect(odds.stdout).toMatch(/Arsenal v Wolverhampton Wanderers\s+betfair_ex_uk\s+h2h\s+Arsenal 1.5/);
    expect(odds.stdout).toMatch(/quota 498 requests left, 2 used/);
    const arb = await sports(['arbitrage', '--sport', 'soccer_epl', '--json'], env());
    expect(JSON.parse(arb.stdout).opportunities[0].eventId).toBe(FAKE_EVENTS[0].id);
    const scores = await sports(['odds', '--sport', 'soccer_epl', '--scores', '--days-from', '1'], env());
    expect(scores.stdout).toMatch(/Arsenal v Wolverhampton Wanderers\s+2-0\s+yes/);
    await sports([
      'bets',
      'place',
      '--sport',
      'soccer_epl',
      '--event',
      FAKE_EVENTS[0].id,
      '--market',
      'btts',
      '--selection',
      'no',
      '--odds',
      '2.2',
      '--stake',
      '4',
      '--bookmaker',
      'betfair_ex_uk',
      '--commission',
      '0.02',
      '--bet-id',
      'feed-1',
    ]);
    const settled = await sports(['bets', 'settle', '--scores', 'soccer_epl', '--json'], env());
    // 2-0: both teams did not score; back at 2.2 with 2% commission on the 4.80 won: 4.00 + 4.70.
    expect(JSON.parse(settled.stdout).settled).toEqual([
      expect.objectContaining({ id: 'feed-1', status: 'won', payout: '8.70' }),
    ]);
    for (const r of [list, odds, arb, scores, settled]) expect(`${r.stdout}${r.stderr}`).not.toContain(KEY);
    const sent = server.apiRequests();
    expect(sent.length).toBeGreaterThan(0);
    for (const request of sent) expect(request.query.apiKey).toBe(KEY);
  });

  it('without a key: one error naming ODDS_API_KEY; with a wrong key: one auth error that does not echo it', async () => {
    expectUserError(
      await sports(['odds', '--sport', 'soccer_epl', '--refresh'], { ODDS_API_BASE_URL: server.url }),
      /ODDS_API_KEY is not set/,
    );
    const wrong = await sports(['odds', '--sport', 'soccer_epl', '--refresh'], {
      ODDS_API_KEY: 'wrong-key-abcdef-123',
      ODDS_API_BASE_URL: server.url,
    });
    expectUserError(wrong, /odds-api: authentication failed \(HTTP 401\)/);
    expect(wrong.stderr).not.toContain('wrong-key-abcdef-123');
  });
});
