export type { AlpacaAdjustment, AlpacaFeed, AlpacaProviderOptions } from './alpaca.js';
export { AlpacaProvider } from './alpaca.js';
export type { BarCacheKey, BarCacheOptions, BarCacheWrite, TimeRange as BarCacheRange } from './cache.js';
export { BarCache, defaultBarCachePath, sharedBarCache } from './cache.js';
export type { CsvBarsOptions, CsvProviderOptions, ImportCsvOptions } from './csv.js';
export {
  CsvProvider,
  formatCsvBars,
  importCsvFile,
  inferTimeframe,
  loadCsvBars,
  parseCsvBars,
} from './csv.js';
export type { HttpClientOptions, JsonRequestOptions, SleepFunction } from './http.js';
export { JsonHttpClient, stripSecretsFromUrl } from './http.js';
export type { PolygonProviderOptions } from './polygon.js';
export { PolygonProvider } from './polygon.js';
export type { FetchMarketDataOptions, ProviderOptions } from './registry.js';
export { fetchMarketData, getProvider, PROVIDER_NAMES } from './registry.js';
export type { RemoteProviderOptions } from './remote.js';
export type { SampleDatasetInfo, SampleProviderOptions } from './sample.js';
export {
  DOW30_TICKERS,
  listSampleDatasets,
  loadSampleSeries,
  SampleProvider,
  sampleDataDirectory,
  sampleSymbols,
} from './sample.js';
export type { ImportedSymbolInfo } from './store.js';
export {
  describeAvailable,
  importedSymbolPath,
  importsDirectory,
  listImportedSymbols,
  normaliseImportSymbol,
  requestRange,
  windowSeries,
  writeFileAtomic,
} from './store.js';
export type { CointegratedPairOptions, GbmOptions, SyntheticProviderOptions } from './synthetic.js';
export {
  generateCointegratedPair,
  generateGbmSeries,
  SyntheticProvider,
  syntheticTimestamps,
} from './synthetic.js';
export type { FetchBarsOptions, MarketDataProvider, ProviderName } from './types.js';
