// Public surface of src/neural (filled in by the capability's change).
export {};
