/**
 * Journal writes a stage does not wait for before taking its next item: the engine slot is
 * free while the record is fsynced (group commit batches the writes). `settle` waits for
 * every write and throws the first failure, so a stage never returns — or reports a record
 * — before it is durable.
 */
export function createWriteBehind() {
  const writes = new Set<Promise<void>>();
  let failure: { error: unknown } | null = null;
  return {
    add(write: Promise<void>): void {
      const tracked = write.then(
        () => {
          writes.delete(tracked);
        },
        (error: unknown) => {
          failure ??= { error };
          writes.delete(tracked);
        },
      );
      writes.add(tracked);
    },
    /** Throws a failure seen so far without waiting (workers stop taking items after one). */
    check(): void {
      if (failure) throw failure.error;
    },
    async settle(): Promise<void> {
      while (writes.size > 0) await Promise.all([...writes]);
      if (failure) throw failure.error;
    },
  };
}
