/**
 * Historical stress scenarios replayed from the bundled real data. Each is a peak-to-trough window of a
 * market index (the proxy); positions with their own history covering the window use their own return,
 * the others the proxy's return scaled by their beta to it.
 */
export interface HistoricalScenario {
  id: string;
  name: string;
  /** Index series the scenario is measured on (a SampleProvider ticker). */
  proxy: string;
  /** First day of the window (the peak), YYYY-MM-DD. */
  start: string;
  /** Last day of the window (the trough), YYYY-MM-DD. */
  end: string;
  description: string;
}

export const HISTORICAL_SCENARIOS: readonly HistoricalScenario[] = [
  {
    id: 'crash-1987',
    name: '1987 crash (Black Monday)',
    proxy: 'DJIA',
    start: '1987-08-25',
    end: '1987-10-19',
    description: 'Dow Jones Industrial Average from its August 1987 peak to the close of 19 October 1987',
  },
  {
    id: 'ltcm-1998',
    name: '1998 Russia default / LTCM',
    proxy: 'DJIA',
    start: '1998-07-17',
    end: '1998-08-31',
    description: 'Dow 30 stocks (own history) and the DJIA from the July 1998 peak to the 31 August low',
  },
  {
    id: 'dotcom-2000',
    name: '2000-2002 dot-com bust',
    proxy: 'SPX',
    start: '2000-03-24',
    end: '2002-10-09',
    description: 'S&P 500 from its March 2000 peak to the October 2002 trough',
  },
  {
    id: 'sept11-2001',
    name: 'September 11, 2001',
    proxy: 'DJIA',
    start: '2001-09-10',
    end: '2001-09-21',
    description:
      'DJIA from the last close before the attacks to the end of the first week of reopened trading',
  },
  {
    id: 'gfc-2008',
    name: '2007-2009 global financial crisis',
    proxy: 'SPX',
    start: '2007-10-09',
    end: '2009-03-09',
    description: 'S&P 500 from its October 2007 peak to the March 2009 trough',
  },
  {
    id: 'covid-2020',
    name: '2020 COVID-19 crash',
    proxy: 'SPX',
    start: '2020-02-19',
    end: '2020-03-23',
    description: 'S&P 500 from its February 2020 peak to the 23 March 2020 low',
  },
];
