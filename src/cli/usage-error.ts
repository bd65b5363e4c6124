/** A command called wrongly (missing or bad arguments, a path that does not exist): the CLI says why and exits 2. */
export class UsageError extends Error {}
