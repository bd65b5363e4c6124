/** After-commit hooks of a transaction (StoreTx.afterCommit), run by both stores once COMMIT succeeded. */
export type CommitHook = () => void | Promise<void>;

/** Runs hooks in order; one failing does not stop the others, nor undo the commit. */
export async function runHooks(hooks: readonly CommitHook[]): Promise<void> {
  for (const hook of hooks) {
    try {
      await hook();
    } catch {
      // the transaction has committed; a hook reports its own failures
    }
  }
}
