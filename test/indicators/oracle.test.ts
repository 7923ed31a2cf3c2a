import {
  ADX,
  ATR,
  AverageGain,
  AverageLoss,
  EMA,
  Highest,
  Lowest,
  MACD,
  OBV,
  BollingerBands as OracleBollinger,
  Stochastic as OracleStochastic,
  ROC,
  RSI,
  SD,
  SMA,
  VWAP,
  WEMA,
  WMA,
} from 'technicalindicators';
import { describe, expect, it } from 'vitest';
import {
  adx,
  atr,
  bollingerBands,
  donchian,
  ema,
  macd,
  obv,
  Rsi,
  roc,
  rollingStd,
  rsi,
  sma,
  stochastic,
  vwap,
  wilderAverage,
  wma,
} from '../../src/indicators/index.js';
import { expectAligned, expectClose, loadAapl } from './aapl.js';

// technicalindicators is the test oracle (never imported from src/). Its outputs omit warm-up bars, so
// each comparison states the index of its first value in our NaN-padded output.
const data = loadAapl();
const close = Array.from(data.close);
const high = Array.from(data.high);
const low = Array.from(data.low);
const volume = Array.from(data.volume);

describe('indicators against technicalindicators on AAPL 2013-2018', () => {
  it('has the real data', () => {
    expect(data.close.length).toBe(1260);
    expect(data.close[0]).toBeCloseTo(64.96286, 5);
  });

  it.each([5, 20, 50])('SMA(%i)', (period) => {
    expectAligned(sma(data.close, period), SMA.calculate({ period, values: close }), period - 1, 'sma');
  });

  it.each([5, 12, 26])('EMA(%i) seeded with the SMA', (period) => {
    expectAligned(ema(data.close, period), EMA.calculate({ period, values: close }), period - 1, 'ema');
  });

  it.each([5, 14])('Wilder average(%i)', (period) => {
    expectAligned(
      wilderAverage(data.close, period),
      WEMA.calculate({ period, values: close }),
      period - 1,
      'rma',
    );
  });

  it.each([5, 20])('WMA(%i)', (period) => {
    expectAligned(wma(data.close, period), WMA.calculate({ period, values: close }), period - 1, 'wma');
  });

  it('RSI(14): Wilder averages to 1e-8; RSI to the oracle rounding (2 decimals)', () => {
    const indicator = new Rsi(14);
    const gains: number[] = [];
    const losses: number[] = [];
    for (const c of close) {
      indicator.update(c);
      if (indicator.isReady) {
        gains.push(indicator.averageGain);
        losses.push(indicator.averageLoss);
      }
    }
    const oracleGain = AverageGain.calculate({ period: 14, values: close });
    const oracleLoss = AverageLoss.calculate({ period: 14, values: close });
    expect(gains.length).toBe(oracleGain.length);
    gains.forEach((g, i) => {
      expectClose(g, oracleGain[i], `avgGain[${i}]`);
    });
    losses.forEach((l, i) => {
      expectClose(l, oracleLoss[i], `avgLoss[${i}]`);
    });
    // The oracle rounds RSI with toFixed(2); compare within that rounding, and exactly against the
    // formula on its own averages.
    const ours = rsi(data.close, 14);
    const oracle = RSI.calculate({ period: 14, values: close });
    expect(ours.length - 14).toBe(oracle.length);
    for (let i = 0; i < oracle.length; i++) {
      expect(Math.abs(ours[14 + i] - oracle[i])).toBeLessThanOrEqual(0.005 + 1e-9);
      expectClose(ours[14 + i], 100 - 100 / (1 + oracleGain[i] / oracleLoss[i]), `rsi[${14 + i}]`);
    }
  });

  it('MACD(12, 26, 9) with EMA oscillator and signal', () => {
    const ours = macd(data.close, 12, 26, 9);
    const oracle = MACD.calculate({
      values: close,
      fastPeriod: 12,
      slowPeriod: 26,
      signalPeriod: 9,
      SimpleMAOscillator: false,
      SimpleMASignal: false,
    });
    expectAligned(
      ours.macd,
      oracle.map((o) => o.MACD as number),
      25,
      'macd',
    );
    const withSignal = oracle.filter((o) => o.signal !== undefined);
    expectAligned(
      ours.signal,
      withSignal.map((o) => o.signal as number),
      25 + 8,
      'signal',
    );
    expectAligned(
      ours.histogram,
      withSignal.map((o) => o.histogram as number),
      25 + 8,
      'histogram',
    );
  });

  it('Bollinger Bands(20, 2): population std; bandwidth from the oracle bands', () => {
    const ours = bollingerBands(data.close, 20, 2);
    const oracle = OracleBollinger.calculate({ period: 20, stdDev: 2, values: close });
    expectAligned(
      ours.middle,
      oracle.map((o) => o.middle),
      19,
      'middle',
    );
    expectAligned(
      ours.upper,
      oracle.map((o) => o.upper),
      19,
      'upper',
    );
    expectAligned(
      ours.lower,
      oracle.map((o) => o.lower),
      19,
      'lower',
    );
    expectAligned(
      ours.percentB,
      oracle.map((o) => o.pb),
      19,
      '%b',
      1e-7,
    );
    expectAligned(
      ours.bandwidth,
      oracle.map((o) => (o.upper - o.lower) / o.middle),
      19,
      'bandwidth',
    );
  });

  it('rolling std: population matches the oracle SD; sample = population * sqrt(n / (n - 1))', () => {
    const oracle = SD.calculate({ period: 20, values: close });
    expectAligned(rollingStd(data.close, 20), oracle, 19, 'std');
    expectAligned(
      rollingStd(data.close, 20, 1),
      oracle.map((s) => s * Math.sqrt(20 / 19)),
      19,
      'sample std',
    );
  });

  it('ATR(14) (Wilder, first value on bar 14)', () => {
    expectAligned(
      atr(data.high, data.low, data.close, 14),
      ATR.calculate({ high, low, close, period: 14 }),
      14,
      'atr',
    );
  });

  it('ADX(14): +DI, -DI and ADX', () => {
    const ours = adx(data.high, data.low, data.close, 14);
    const oracle = ADX.calculate({ high, low, close, period: 14 });
    expectAligned(
      ours.adx,
      oracle.map((o) => o.adx),
      27,
      'adx',
    );
    const offset = 27;
    oracle.forEach((o, i) => {
      expectClose(ours.plusDI[offset + i], o.pdi, `+DI[${offset + i}]`);
      expectClose(ours.minusDI[offset + i], o.mdi, `-DI[${offset + i}]`);
    });
    // The DIs exist from bar 14, before ADX does.
    expect(Number.isNaN(ours.plusDI[13])).toBe(true);
    expect(Number.isFinite(ours.plusDI[14])).toBe(true);
  });

  it('Stochastic(14, 3)', () => {
    const ours = stochastic(data.high, data.low, data.close, 14, 3);
    const oracle = OracleStochastic.calculate({ high, low, close, period: 14, signalPeriod: 3 });
    expectAligned(
      ours.k,
      oracle.map((o) => o.k),
      13,
      '%K',
    );
    const withD = oracle.filter((o) => o.d !== undefined);
    expectAligned(
      ours.d,
      withD.map((o) => o.d as number),
      15,
      '%D',
    );
  });

  it('OBV: the oracle omits the first bar; ours starts at 0 there', () => {
    const ours = obv(data.close, data.volume);
    const oracle = OBV.calculate({ close, volume });
    expect(ours[0]).toBe(0);
    expectAligned(ours.subarray(1), oracle, 0, 'obv', 0);
  });

  it('cumulative VWAP on typical price', () => {
    expectAligned(
      vwap(data.high, data.low, data.close, data.volume),
      VWAP.calculate({ high, low, close, volume }),
      0,
      'vwap',
    );
  });

  it('Donchian(20) upper/lower are the rolling highest high / lowest low', () => {
    const ours = donchian(data.high, data.low, 20);
    expectAligned(ours.upper, Highest.calculate({ period: 20, values: high }), 19, 'upper', 0);
    expectAligned(ours.lower, Lowest.calculate({ period: 20, values: low }), 19, 'lower', 0);
  });

  it('ROC(10) as a fraction (the oracle prints percent)', () => {
    expectAligned(
      roc(data.close, 10),
      ROC.calculate({ period: 10, values: close }).map((v) => v / 100),
      10,
      'roc',
    );
  });
});
