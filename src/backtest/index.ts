// Public surface of src/backtest (filled in by the capability's change).
export {};
