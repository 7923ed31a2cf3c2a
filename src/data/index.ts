export type { FetchBarsOptions, MarketDataProvider, ProviderName } from './types.js';
