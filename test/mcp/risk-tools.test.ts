import { describe, expect, it } from 'vitest';
import { fetchMarketData } from '../../src/data/index.js';
import {
  calculateVaR,
  correlationMatrix,
  kellyCriterionBinary,
  preparePortfolio,
} from '../../src/risk/index.js';
import { callError, callOk, stdioSuite } from './helpers.js';

describe('risk tools over stdio', () => {
  const mcp = stdioSuite();

  it('risk_analysis matches the risk library on the same price history', async () => {
    const data = await callOk(mcp.session.client, 'risk_analysis', {
      positions: { KO: 100, PG: 50 },
      cash: 1000,
      start_date: '1998-01-01',
      end_date: '1999-12-31',
      confidence: 0.99,
    });
    const prices = {
      KO: await fetchMarketData('KO', '1998-01-01', '1999-12-31'),
      PG: await fetchMarketData('PG', '1998-01-01', '1999-12-31'),
    };
    const expected = calculateVaR({ positions: { KO: 100, PG: 50 }, prices, cash: 1000 }, 0.99, 'historical');
    expect(data.source).toBe('given');
    expect(data.var).toBeCloseTo(expected.var, 8);
    expect(data.cvar).toBeCloseTo(expected.cvar, 8);
    expect(data.portfolio_value).toBeCloseTo(expected.portfolioValue, 8);
    expect(data.cvar as number).toBeGreaterThanOrEqual(data.var as number);
    expect((data.contributions as unknown[]).length).toBe(2);
  });

  it('risk_analysis method "all" gives every method on the same data, equal to the library', async () => {
    const data = await callOk(mcp.session.client, 'risk_analysis', {
      positions: { KO: 100, PG: 50 },
      cash: 1000,
      start_date: '1998-01-01',
      end_date: '1999-12-31',
      confidence: 0.99,
      method: 'all',
      simulations: 2000,
      seed: 7,
    });
    const prices = {
      KO: await fetchMarketData('KO', '1998-01-01', '1999-12-31'),
      PG: await fetchMarketData('PG', '1998-01-01', '1999-12-31'),
    };
    const byMethod = data.by_method as { method: string; var: number; cvar: number }[];
    expect(byMethod.map((m) => m.method)).toEqual([
      'historical',
      'parametric',
      'cornish-fisher',
      'monte-carlo',
    ]);
    for (const row of byMethod) {
      const expected = calculateVaR(
        { positions: { KO: 100, PG: 50 }, prices, cash: 1000 },
        0.99,
        row.method as 'historical',
        { simulations: 2000, seed: 7 },
      );
      expect(row.var, row.method).toBe(expected.var);
      expect(row.cvar, row.method).toBe(expected.cvar);
    }
    expect(data.var).toBe(byMethod[0].var);
  });

  it('risk_analysis of a net short book with no cash: VaR in currency, percentages null, a note', async () => {
    const data = await callOk(mcp.session.client, 'risk_analysis', {
      positions: { KO: -100 },
      start_date: '1998-01-01',
      end_date: '1999-12-31',
    });
    expect(data.portfolio_value as number).toBeLessThan(0);
    expect(data.var as number).toBeGreaterThan(0);
    expect(data.var_pct).toBeNull();
    expect(data.cvar_pct).toBeNull();
    expect((data.warnings as string[]).join(' ')).toMatch(/at or below zero/);
  });

  it('risk_analysis names bad arguments and needs positions when the account is flat', async () => {
    expect(
      await callError(mcp.session.client, 'risk_analysis', { positions: { KO: 10 }, method: 'magic' }),
    ).toMatch(/unknown "magic"; valid: historical, parametric, cornish-fisher, monte-carlo/);
    expect(
      await callError(mcp.session.client, 'risk_analysis', { positions: { KO: 10 }, confidence: 1.5 }),
    ).toMatch(/confidence/);
    expect(await callError(mcp.session.client, 'risk_analysis', {})).toMatch(
      /positions: the traded account holds no positions/,
    );
  });

  it('risk_analysis defaults to the traded (paper) account', async () => {
    await callOk(mcp.session.client, 'execute_trade', {
      symbol: 'AAPL',
      side: 'buy',
      quantity: 20,
      client_order_id: 'risk-1',
    });
    const data = await callOk(mcp.session.client, 'risk_analysis', { method: 'parametric' });
    expect(data.source).toBe('paper account');
    expect(data.var as number).toBeGreaterThan(0);
  });

  it('correlation_analysis returns a symmetric matrix with unit diagonal', async () => {
    const data = await callOk(mcp.session.client, 'correlation_analysis', {
      symbols: ['KO', 'PG', 'IBM'],
      start_date: '1995-01-01',
      end_date: '1999-12-31',
    });
    const m = data.matrix as number[][];
    expect(m).toHaveLength(3);
    for (let i = 0; i < 3; i++) {
      expect(m[i][i]).toBeCloseTo(1, 10);
      for (let j = 0; j < 3; j++) expect(m[i][j]).toBeCloseTo(m[j][i], 12);
    }
    const pairs = data.pairs as { correlation: number }[];
    expect(pairs).toHaveLength(3);
    expect(pairs[0].correlation).toBeGreaterThanOrEqual(pairs[2].correlation);
    expect(data.observations as number).toBeGreaterThan(1000);
    // The risk library's return basis, stated: the same daily returns risk_analysis uses.
    expect(data.returns).toBe('daily returns (1Day bars, us-equity calendar)');
    const [ko, pg] = await Promise.all(
      ['KO', 'PG'].map((symbol) => fetchMarketData(symbol, '1995-01-01', '1999-12-31')),
    );
    const prepared = preparePortfolio({ positions: { KO: 1, PG: 1 }, prices: { KO: ko, PG: pg } });
    expect(m[0][1]).toBe(correlationMatrix(prepared.returns).values[1]);
  });

  it('correlation_analysis explains symbols without common history', async () => {
    const text = await callError(mcp.session.client, 'correlation_analysis', { symbols: ['AAPL', 'KO'] });
    expect(text).toMatch(/^symbols: too few common dates for AAPL, KO/);
    expect(await callError(mcp.session.client, 'correlation_analysis', { symbols: ['AAPL'] })).toMatch(
      /at least two/,
    );
  });

  it('calculate_kelly_criterion: binary bets match the library, continuous uses returns', async () => {
    const binary = await callOk(mcp.session.client, 'calculate_kelly_criterion', {
      win_probability: 0.55,
      decimal_odds: 2,
      fraction: 0.5,
      bankroll: 10_000,
    });
    const expected = kellyCriterionBinary({ winProbability: 0.55, decimalOdds: 2, fraction: 0.5 });
    expect(binary.kind).toBe('binary');
    expect(binary.full_kelly).toBeCloseTo(0.1, 12);
    expect(binary.stake_fraction).toBeCloseTo(expected.stake, 12);
    expect(binary.stake_amount).toBeCloseTo(10_000 * expected.stake, 8);
    const continuous = await callOk(mcp.session.client, 'calculate_kelly_criterion', {
      symbol: 'SPX',
      start_date: '2010-01-01',
      end_date: '2019-12-31',
    });
    expect(continuous.kind).toBe('continuous');
    expect(continuous.annual_volatility as number).toBeGreaterThan(0.05);
    expect(continuous.observations as number).toBeGreaterThan(2000);
    expect(
      await callError(mcp.session.client, 'calculate_kelly_criterion', { win_probability: 0.5 }),
    ).toMatch(/decimal_odds/);
    expect(
      await callError(mcp.session.client, 'calculate_kelly_criterion', {
        win_probability: 1.5,
        decimal_odds: 2,
      }),
    ).toMatch(/win_probability/);
  });

  it('calculate_kelly_criterion takes betting odds in any format, as calculate_betting_kelly sizes one bet', async () => {
    // p = 0.5 at +150 (= 2.5 = 3/2): full Kelly (0.5 x 2.5 - 1) / 1.5 = 1/6.
    const prices: Record<string, unknown>[] = [
      { odds: '+150' },
      { odds: '3/2' },
      { odds: 2.5 },
      { odds: '2.5' },
      { odds: '150', odds_format: 'american' },
    ];
    for (const price of prices) {
      const data = await callOk(mcp.session.client, 'calculate_kelly_criterion', {
        win_probability: 0.5,
        ...price,
        fraction: 0.5,
        bankroll: 1000,
      });
      expect(data.kind, JSON.stringify(price)).toBe('binary');
      expect(data.decimal_odds).toBe(2.5);
      expect(data.implied_probability).toBeCloseTo(0.4, 15);
      expect(data.full_kelly).toBeCloseTo(1 / 6, 15);
      expect(data.stake_fraction).toBeCloseTo(1 / 12, 15);
      expect(data.stake_amount).toBeCloseTo(1000 / 12, 10);
      expect(data.edge).toBeCloseTo(0.25, 15);
      expect(data.growth_rate).toBeCloseTo(0.5 * Math.log(1 + 1.5 / 12) + 0.5 * Math.log(1 - 1 / 12), 15);
    }
    // The same bet through the sports tool (one outcome, no caps) and through decimal_odds.
    const sports = await callOk(mcp.session.client, 'calculate_betting_kelly', {
      odds: ['-200'],
      probabilities: [0.7],
      fraction: 1,
      max_bet: 1,
      max_event: 1,
    });
    const risk = await callOk(mcp.session.client, 'calculate_kelly_criterion', {
      win_probability: 0.7,
      odds: '-200',
    });
    const decimal = await callOk(mcp.session.client, 'calculate_kelly_criterion', {
      win_probability: 0.7,
      decimal_odds: 1.5,
    });
    const [bet] = sports.bets as { full_kelly: number; stake_fraction: number }[];
    expect(risk.full_kelly).toBeCloseTo(0.1, 15);
    expect(risk.full_kelly).toBe(bet.full_kelly);
    expect(risk.stake_fraction).toBe(bet.stake_fraction);
    expect(decimal.full_kelly).toBeCloseTo(risk.full_kelly as number, 15);
    expect(decimal.decimal_odds).toBe(1.5);
    // No edge: nothing staked, and said so.
    const none = await callOk(mcp.session.client, 'calculate_kelly_criterion', {
      win_probability: 0.3,
      odds: '+100',
    });
    expect(none.full_kelly).toBe(0);
    expect(none.warnings).toEqual(['no edge at this price: Kelly stakes nothing']);
    // Bad input: one line naming the argument.
    expect(
      await callError(mcp.session.client, 'calculate_kelly_criterion', { win_probability: 0.5, odds: 0.9 }),
    ).toMatch(/^odds: odds must be more than 1/);
    expect(
      await callError(mcp.session.client, 'calculate_kelly_criterion', { win_probability: 0.5, odds: '5/0' }),
    ).toMatch(/^odds:/);
    expect(
      await callError(mcp.session.client, 'calculate_kelly_criterion', {
        win_probability: 0.5,
        odds: '+150',
        decimal_odds: 2.5,
      }),
    ).toMatch(/^decimal_odds: give one price of the bet, not odds and decimal_odds/);
    expect(await callError(mcp.session.client, 'calculate_kelly_criterion', { odds: '+150' })).toMatch(
      /^win_probability: give the probability of winning with odds/,
    );
    expect(
      await callError(mcp.session.client, 'calculate_kelly_criterion', {
        win_probability: 0.5,
        decimal_odds: 2,
        odds_format: 'american',
      }),
    ).toMatch(/^odds_format:/);
  });

  it('stress_test replays historical crashes and hypothetical shocks', async () => {
    const data = await callOk(mcp.session.client, 'stress_test', {
      positions: { KO: 100, PG: 50 },
      start_date: '1995-01-01',
      end_date: '1999-12-31',
      equity_shock: -0.3,
    });
    const scenarios = data.scenarios as { id: string; kind: string; pnl: number; pnl_pct: number }[];
    expect(scenarios.some((s) => s.kind === 'historical')).toBe(true);
    expect(scenarios.some((s) => s.kind === 'hypothetical')).toBe(true);
    const worst = data.worst as { pnl: number };
    expect(worst.pnl).toBe(Math.min(...scenarios.map((s) => s.pnl)));
    expect(worst.pnl).toBeLessThan(0);
  });
});
