import {
  type FakeServerBase,
  type JsonReply,
  type RecordedRequest,
  type StartOptions,
  startFakeServer,
} from './fake-http.js';

/**
 * A fake of The Odds API v4 answering in its documented JSON (https://the-odds-api.com/liveapi/guides/v4/):
 * GET /v4/sports, /v4/sports/{sport}/events, /v4/sports/{sport}/odds, /v4/sports/{sport}/events/{id}/odds,
 * /v4/sports/{sport}/scores and /v4/historical/sports/{sport}/odds, authenticated by the `apiKey` query
 * parameter, with the quota headers x-requests-remaining / x-requests-used / x-requests-last on every
 * answer. Quota cost follows the docs: sports are free; odds cost markets x regions; scores 1 (2 with
 * daysFrom); historical odds 10 x markets x regions. Errors are `{"message": ..., "error_code": ...}`.
 */
export interface FakeOddsApiOptions extends StartOptions {
  apiKey?: string;
  /** Requests in the monthly quota (default 500). */
  quota?: number;
}

export interface FakeOddsApiServer extends FakeServerBase {
  readonly apiKey: string;
  /** Requests that reached an API endpoint (not counting scripted failures). */
  apiRequests(): RecordedRequest[];
  used(): number;
  setQuota(total: number, used?: number): void;
}

export const FAKE_SPORTS = [
  {
    key: 'soccer_epl',
    group: 'Soccer',
    title: 'EPL',
    description: 'English Premier League',
    active: true,
    has_outrights: false,
  },
  {
    key: 'tennis_atp_us_open',
    group: 'Tennis',
    title: 'ATP US Open',
    description: "Men's Singles",
    active: true,
    has_outrights: false,
  },
];

/** Two EPL matches: the first has a 3-way arbitrage across bookmakers, the second none. */
export const FAKE_EVENTS = [
  {
    id: 'e912304de2b2ce35b473ce2ecd3d1502',
    sport_key: 'soccer_epl',
    sport_title: 'EPL',
    commence_time: '2024-08-17T14:00:00Z',
    home_team: 'Arsenal',
    away_team: 'Wolverhampton Wanderers',
  },
  {
    id: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
    sport_key: 'soccer_epl',
    sport_title: 'EPL',
    commence_time: '2024-08-17T16:30:00Z',
    home_team: 'Everton',
    away_team: 'Brighton and Hove Albion',
  },
];

const PRICES: Record<string, Record<string, [number, number, number]>> = {
  // home, away, draw as the API lists h2h outcomes by name
  e912304de2b2ce35b473ce2ecd3d1502: {
    pinnacle: [1.42, 8.5, 5.1],
    williamhill: [1.36, 9.0, 5.5],
    betfair_ex_uk: [1.5, 7.8, 4.9],
  },
  a1b2c3d4e5f60718293a4b5c6d7e8f90: {
    pinnacle: [2.9, 2.5, 3.3],
    williamhill: [2.8, 2.45, 3.25],
    betfair_ex_uk: [2.86, 2.48, 3.3],
  },
};

const TITLES: Record<string, string> = {
  pinnacle: 'Pinnacle',
  williamhill: 'William Hill',
  betfair_ex_uk: 'Betfair',
};
const REGION_BOOKMAKERS: Record<string, string[]> = {
  uk: ['williamhill', 'betfair_ex_uk'],
  eu: ['pinnacle'],
};

function oddsEvent(event: (typeof FAKE_EVENTS)[number], markets: string[], bookmakers: string[]) {
  const lastUpdate = '2024-08-16T10:46:09Z';
  return {
    ...event,
    bookmakers: bookmakers
      .filter((b) => PRICES[event.id]?.[b])
      .map((b) => {
        const [home, away, draw] = PRICES[event.id][b];
        const list: unknown[] = [];
        if (markets.includes('h2h')) {
          list.push({
            key: 'h2h',
            last_update: lastUpdate,
            outcomes: [
              { name: event.home_team, price: home },
              { name: event.away_team, price: away },
              { name: 'Draw', price: draw },
            ],
          });
        }
        if (markets.includes('totals')) {
          list.push({
            key: 'totals',
            last_update: lastUpdate,
            outcomes: [
              { name: 'Over', price: b === 'pinnacle' ? 1.95 : 1.9, point: 2.5 },
              { name: 'Under', price: b === 'pinnacle' ? 1.93 : 1.95, point: 2.5 },
            ],
          });
        }
        return { key: b, title: TITLES[b], last_update: lastUpdate, markets: list };
      }),
  };
}

export async function startFakeOddsApiServer(options: FakeOddsApiOptions = {}): Promise<FakeOddsApiServer> {
  const apiKey = options.apiKey ?? 'test-odds-api-key-123456';
  let total = options.quota ?? 500;
  let used = 0;
  const served: RecordedRequest[] = [];

  const error = (status: number, message: string, code: string): JsonReply => ({
    status,
    body: {
      message,
      error_code: code,
      details_url: `https://the-odds-api.com/liveapi/guides/v4/api-error-codes.html#${code.toLowerCase()}`,
    },
    headers: quotaHeaders(0),
  });
  const quotaHeaders = (last: number): Record<string, string> => ({
    'x-requests-remaining': String(Math.max(0, total - used)),
    'x-requests-used': String(used),
    'x-requests-last': String(last),
  });

  const handle = (request: RecordedRequest): JsonReply => {
    if (request.query.apiKey === undefined) return error(401, 'API key is missing', 'MISSING_KEY');
    if (request.query.apiKey !== apiKey) return error(401, 'API key is not valid', 'INVALID_KEY');
    served.push(request);
    const q = request.query;
    const list = (name: string) => (q[name] ? q[name].split(',') : []);
    const regions = list('regions');
    const markets = list('markets').length > 0 ? list('markets') : ['h2h'];
    const bookmakers =
      list('bookmakers').length > 0 ? list('bookmakers') : regions.flatMap((r) => REGION_BOOKMAKERS[r] ?? []);
    const charge = (cost: number, body: unknown): JsonReply => {
      if (used + cost > total) return error(429, 'Usage quota has been reached', 'OUT_OF_USAGE_CREDITS');
      used += cost;
      return { status: 200, body, headers: quotaHeaders(cost) };
    };
    const needsRegions = () =>
      regions.length === 0 && list('bookmakers').length === 0
        ? error(422, 'Missing regions parameter', 'MISSING_REGION')
        : undefined;
    let m = /^\/v4\/sports\/?$/.exec(request.path);
    if (m)
      return {
        status: 200,
        body: q.all === 'true' ? FAKE_SPORTS : FAKE_SPORTS.filter((s) => s.active),
        headers: quotaHeaders(0),
      };
    m = /^\/v4\/sports\/([^/]+)\/events$/.exec(request.path);
    if (m) {
      if (m[1] !== 'soccer_epl') return error(404, 'Unknown sport', 'UNKNOWN_SPORT');
      return charge(0, FAKE_EVENTS);
    }
    m = /^\/v4\/sports\/([^/]+)\/odds$/.exec(request.path);
    if (m) {
      if (m[1] !== 'soccer_epl' && m[1] !== 'upcoming') return error(404, 'Unknown sport', 'UNKNOWN_SPORT');
      const missing = needsRegions();
      if (missing) return missing;
      const ids = list('eventIds');
      const events = FAKE_EVENTS.filter((e) => ids.length === 0 || ids.includes(e.id));
      return charge(
        markets.length * Math.max(1, regions.length),
        events.map((e) => oddsEvent(e, markets, bookmakers)),
      );
    }
    m = /^\/v4\/sports\/([^/]+)\/events\/([^/]+)\/odds$/.exec(request.path);
    if (m) {
      const event = FAKE_EVENTS.find((e) => e.id === m?.[2]);
      if (!event)
        return error(
          404,
          'Event not found. The event may have expired or the event id is invalid.',
          'EVENT_NOT_FOUND',
        );
      const missing = needsRegions();
      if (missing) return missing;
      return charge(markets.length * Math.max(1, regions.length), oddsEvent(event, markets, bookmakers));
    }
    m = /^\/v4\/sports\/([^/]+)\/scores$/.exec(request.path);
    if (m) {
      const body = FAKE_EVENTS.map((e, i) => ({
        ...e,
        completed: i === 0,
        home_team: e.home_team,
        away_team: e.away_team,
        scores:
          i === 0
            ? [
                { name: e.home_team, score: '2' },
                { name: e.away_team, score: '0' },
              ]
            : null,
        last_update: i === 0 ? '2024-08-17T16:00:00Z' : null,
      }));
      return charge(q.daysFrom ? 2 : 1, body);
    }
    m = /^\/v4\/historical\/sports\/([^/]+)\/odds$/.exec(request.path);
    if (m) {
      if (!q.date) return error(422, 'Missing date parameter', 'MISSING_HISTORICAL_TIMESTAMP');
      const missing = needsRegions();
      if (missing) return missing;
      return charge(10 * markets.length * Math.max(1, regions.length), {
        timestamp: '2024-08-16T11:55:00Z',
        previous_timestamp: '2024-08-16T11:50:00Z',
        next_timestamp: '2024-08-16T12:00:00Z',
        data: FAKE_EVENTS.map((e) => oddsEvent(e, markets, bookmakers)),
      });
    }
    return error(404, 'Not found', 'NOT_FOUND');
  };

  const base = await startFakeServer(handle, options);
  return {
    ...base,
    apiKey,
    apiRequests: () => served,
    used: () => used,
    setQuota: (t: number, u = used) => {
      total = t;
      used = u;
    },
  };
}
