// Public surface of src/risk (filled in by the capability's change).
export {};
