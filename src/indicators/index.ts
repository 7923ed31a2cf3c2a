// Public surface of src/indicators (filled in by the capability's change).
export {};
