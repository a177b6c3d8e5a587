/**
 * Runs `work` over `items` with at most `concurrency` calls in flight. On the first error no new
 * item is started and the error is rethrown once the calls in flight have settled.
 */
export const forEachConcurrent = async <T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> => {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next;
      next += 1;
      try {
        await work(items[index] as T, index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const workers = Math.max(1, Math.min(concurrency, items.length));
  const settled = await Promise.allSettled(Array.from({ length: workers }, worker));
  const rejection = settled.find((outcome) => outcome.status === "rejected");
  if (rejection) throw rejection.reason;
};
