export type { ReportOptions } from './html.js';
export { renderBacktestReport } from './html.js';
