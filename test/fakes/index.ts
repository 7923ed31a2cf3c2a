/** Fake external services for tests: real HTTP on 127.0.0.1, real wire formats, scriptable failures. */
export type { FakeAlpacaDataServer, FakeAlpacaDataServerOptions } from './alpaca-data-server.js';
export { startFakeAlpacaDataServer } from './alpaca-data-server.js';
export type { FakeBar, FakeBarQuery, FakeTimeframe } from './fake-bars.js';
export { fakeClose, generateFakeBars, newYorkMidnight } from './fake-bars.js';
export type { FakeServerBase, JsonReply, RecordedRequest, ScriptedResponse } from './fake-http.js';
export { sendJson, startFakeServer } from './fake-http.js';
export type { FakeOddsApiOptions, FakeOddsApiServer } from './odds-api-server.js';
export { FAKE_EVENTS, FAKE_SPORTS, startFakeOddsApiServer } from './odds-api-server.js';
export type { FakePolygonServer, FakePolygonServerOptions } from './polygon-server.js';
export { startFakePolygonServer } from './polygon-server.js';
