// Public surface of src/sports: odds maths, arbitrage and value, staking, goals models, evaluation,
// the odds feed and the bet ledger.
export * from './ledger.js';
