// Public surface of src/execution (filled in by the capability's change).
export {};
