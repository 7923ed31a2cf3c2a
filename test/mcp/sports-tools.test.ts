import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMcpTools } from '../../src/mcp/index.js';
import { FAKE_EVENTS, type FakeOddsApiServer, startFakeOddsApiServer } from '../fakes/index.js';
import { callError, callOk, connectStdio, makeSandbox, type Sandbox, type StdioSession } from './helpers.js';

const KEY = 'mcp-odds-ZZ-key-5566778899';
let sandbox: Sandbox;
let session: StdioSession;
let server: FakeOddsApiServer;

beforeAll(async () => {
  server = await startFakeOddsApiServer({ apiKey: KEY });
  sandbox = makeSandbox();
  session = await connectStdio(sandbox, {
    ODDS_API_KEY: KEY,
    ODDS_API_BASE_URL: server.url,
    NEURAL_TRADER_TOOLSETS: 'sports',
  });
});
afterAll(async () => {
  await session?.close();
  sandbox?.cleanup();
  await server?.close();
});

describe('sports toolset', () => {
  it('exposes the sports tools (and only system besides) when NEURAL_TRADER_TOOLSETS=sports', async () => {
    const { tools } = await session.client.listTools();
    const names = tools.map((t) => t.name);
    for (const name of [
      'get_sports_events',
      'get_sports_odds',
      'find_sports_arbitrage',
      'find_value_bets',
      'predict_match',
      'calculate_betting_kelly',
      'calculate_expected_value',
      'place_sports_bet',
      'settle_sports_bet',
      'get_betting_portfolio_status',
      'get_sports_betting_performance',
    ]) {
      expect(names).toContain(name);
    }
    expect(names).not.toContain('calculate_kelly_criterion'); // the risk toolset's tool, not enabled here
    // Fitting a league model, or Kelly for 16 independent bets, takes a core for a second or more: those
    // tools run off the event loop.
    for (const heavy of ['predict_match', 'find_value_bets', 'calculate_betting_kelly'])
      expect(tools.find((t) => t.name === heavy)?.description, heavy).toMatch(/runs in a worker thread/);
    expect(new Set(listMcpTools().map((t) => t.name)).size).toBe(listMcpTools().length); // no name clash
  });

  it('reads the odds feed: sports, events, odds with overround and quota', async () => {
    const list = await callOk(session.client, 'get_sports_events');
    expect((list.sports as { key: string }[]).map((s) => s.key)).toContain('soccer_epl');
    const events = await callOk(session.client, 'get_sports_events', { sport: 'soccer_epl' });
    expect((events.events as { id: string }[])[0].id).toBe(FAKE_EVENTS[0].id);
    const odds = await callOk(session.client, 'get_sports_odds', {
      sport: 'soccer_epl',
      regions: ['uk', 'eu'],
      markets: ['h2h', 'totals'],
    });
    const event = (
      odds.events as { bookmakers: { key: string; markets: { key: string; overround: number }[] }[] }[]
    )[0];
    expect(event.bookmakers.map((b) => b.key).sort()).toEqual(['betfair_ex_uk', 'pinnacle', 'williamhill']);
    expect(event.bookmakers[0].markets[0].overround).toBeGreaterThan(-0.2);
    expect(odds.requests_remaining).toBe(496);
    expect(JSON.stringify(odds)).not.toContain(KEY);
  });

  it('finds sure bets inline and in the live feed, with stakes in money', async () => {
    const inline = await callOk(session.client, 'find_sports_arbitrage', {
      events: [
        {
          event_id: 'm1',
          outcomes: ['A', 'B'],
          quotes: [
            { bookmaker: 'pinnacle', prices: [2.1, 1.7] },
            { bookmaker: 'betfair_ex_uk', prices: [1.8, 2.05] },
          ],
        },
      ],
      bankroll: '1000.00',
    });
    const [arb] = inline.opportunities as {
      legs: { stake: string; payout: string }[];
      guaranteed_profit: string;
    }[];
    expect(arb.legs.map((l) => l.stake)).toEqual(['493.97', '506.02']);
    expect(arb.guaranteed_profit).toBe('37.34');
    const live = await callOk(session.client, 'find_sports_arbitrage', {
      sport: 'soccer_epl',
      bankroll: 500,
    });
    expect((live.opportunities as { event_id: string }[])[0].event_id).toBe(FAKE_EVENTS[0].id);
  });

  it('predicts a match and finds value against live odds with a model fitted on the bundled data', async () => {
    const p = await callOk(session.client, 'predict_match', {
      home_team: 'Liverpool',
      away_team: 'Arsenal',
      league: 'EPL',
      season: '2018-2019',
    });
    expect(p.home_team).toBe('Liverpool FC');
    const probs = p.probabilities as { home: number; draw: number; away: number };
    expect(probs.home + probs.draw + probs.away).toBeCloseTo(1, 12);
    expect((p.asian_handicap as { home_line: number }[]).some((a) => a.home_line === -0.25)).toBe(true);
    const value = await callOk(session.client, 'find_value_bets', {
      sport: 'soccer_epl',
      league: 'EPL',
      season: '2018-2019',
      threshold: -1 + 1e-9,
    });
    expect((value.bets as unknown[]).length).toBeGreaterThan(0);
    const inline = await callOk(session.client, 'find_value_bets', {
      events: [
        {
          event_id: 'e',
          outcomes: [
            { name: 'home', odds: 2.1 },
            { name: 'draw', odds: 3.4 },
            { name: 'away', odds: 3.8 },
          ],
          probabilities: [0.52, 0.26, 0.22],
        },
      ],
    });
    expect((inline.bets as { outcome: string }[]).map((b) => b.outcome)).toEqual(['home']);
  });

  it('Kelly for betting odds in any format and expected value against the de-margined market', async () => {
    const k = await callOk(session.client, 'calculate_betting_kelly', {
      odds: ['+150', '2/1', 3.5],
      probabilities: [0.5, 0.3, 0.2],
      fraction: 1,
      max_bet: 1,
      max_event: 1,
      bankroll: '1000',
    });
    const bets = k.bets as { full_kelly: number; stake: string | null }[];
    expect(bets[0].full_kelly).toBeCloseTo(0.2, 12);
    expect(bets[1].full_kelly).toBeCloseTo(0.05, 12);
    expect(bets.map((b) => b.stake)).toEqual(['200.00', '50.00', '0.00']);
    const ev = await callOk(session.client, 'calculate_expected_value', {
      probability: 0.5,
      odds: '11/10',
      market_odds: [2.1, 1.8],
      selection: 0,
    });
    expect(ev.expected_value).toBeCloseTo(0.05, 12);
    expect(ev.market_probability).toBeGreaterThan(0.45);
  });

  it('places, settles and reports paper bets; settling twice and a result for an unknown match are errors', async () => {
    const placed = await callOk(session.client, 'place_sports_bet', {
      sport: 'soccer_epl',
      event_id: FAKE_EVENTS[0].id,
      market: 'totals',
      selection: 'over',
      line: 2.25,
      odds: 1.9,
      stake: '20.00',
      bookmaker: 'pinnacle',
      bet_id: 'mcp-1',
    });
    expect(placed).toMatchObject({
      mode: 'paper',
      created: true,
      balance: '980.00',
      potential_payout: '38.00',
    });
    const again = await callOk(session.client, 'place_sports_bet', {
      sport: 'soccer_epl',
      event_id: FAKE_EVENTS[0].id,
      market: 'totals',
      selection: 'over',
      line: 2.25,
      odds: '1.90',
      stake: 20,
      bookmaker: 'pinnacle',
      bet_id: 'mcp-1',
    });
    expect(again.created).toBe(false);
    const status = await callOk(session.client, 'get_betting_portfolio_status');
    expect(status).toMatchObject({ balance: '980.00', open_stake: '20.00', open_bet_count: 1 });
    const settled = await callOk(session.client, 'settle_sports_bet', {
      event_id: FAKE_EVENTS[0].id,
      home_goals: 1,
      away_goals: 1,
    });
    expect((settled.settled as { status: string; payout: string }[])[0]).toMatchObject({
      status: 'half-lost',
      payout: '10.00',
    });
    expect(settled.balance).toBe('990.00');
    expect(
      await callError(session.client, 'settle_sports_bet', {
        event_id: FAKE_EVENTS[0].id,
        home_goals: 1,
        away_goals: 1,
      }),
    ).toMatch(/already has a result/);
    expect(await callError(session.client, 'settle_sports_bet', { bet_id: 'mcp-1', status: 'won' })).toMatch(
      /already settled/,
    );
    expect(
      await callError(session.client, 'settle_sports_bet', {
        event_id: 'nobody-v-nobody',
        home_goals: 0,
        away_goals: 0,
      }),
    ).toMatch(/unknown match/);
    const performance = await callOk(session.client, 'get_sports_betting_performance', { by: 'market' });
    expect(performance.rows).toEqual([
      expect.objectContaining({
        key: 'totals',
        staked: '20.00',
        returned: '10.00',
        profit: '-10.00',
        roi: -0.5,
      }),
    ]);
  });

  it('bad input: one clear tool error each and nothing written', async () => {
    const base = {
      sport: 'soccer_epl',
      event_id: 'x1',
      market: 'h2h',
      selection: 'home',
      odds: 2,
      stake: '5',
      bookmaker: 'pinnacle',
    };
    const before = await callOk(session.client, 'get_betting_portfolio_status');
    expect(await callError(session.client, 'place_sports_bet', { ...base, odds: 1 })).toMatch(
      /odds: odds must be more than 1/,
    );
    expect(await callError(session.client, 'place_sports_bet', { ...base, stake: 0 })).toMatch(
      /stake: must be more than zero/,
    );
    expect(await callError(session.client, 'place_sports_bet', { ...base, stake: '-1' })).toMatch(
      /stake: must be positive/,
    );
    expect(await callError(session.client, 'place_sports_bet', { ...base, bookmaker: 'bet366' })).toMatch(
      /unknown bookmaker "bet366"/,
    );
    expect(await callError(session.client, 'place_sports_bet', { ...base, market: 'corners' })).toMatch(
      /unknown market "corners"/,
    );
    expect(
      await callError(session.client, 'calculate_expected_value', { probability: 1.5, odds: 2 }),
    ).toMatch(/probability: a probability must be between 0 and 1, got 1.5/);
    expect(
      await callError(session.client, 'calculate_betting_kelly', { odds: [0.8], probabilities: [0.5] }),
    ).toMatch(/odds\[0\]: odds must be more than 1/);
    expect(
      await callError(session.client, 'find_value_bets', {
        events: [
          {
            event_id: 'e',
            outcomes: [
              { name: 'a', odds: 2 },
              { name: 'b', odds: 2 },
            ],
            probabilities: [1.2, -0.2],
          },
        ],
      }),
    ).toMatch(/probabilities\[0\]: a probability must be between 0 and 1/);
    expect(
      await callError(session.client, 'find_sports_arbitrage', {
        events: [{ event_id: 'e', outcomes: ['a', 'b'], quotes: [{ bookmaker: 'x', prices: [1, 3] }] }],
      }),
    ).toMatch(/odds must be more than 1/);
    const after = await callOk(session.client, 'get_betting_portfolio_status');
    expect(after).toEqual(before);
  });
});
