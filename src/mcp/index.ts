// Public surface of src/mcp (filled in by the capability's change).
export {};
