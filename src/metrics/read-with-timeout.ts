/** The error a read gets when Redis has not answered within its time. */
export class ReadTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`Redis did not answer within ${timeoutMs} ms`);
    this.name = 'ReadTimeoutError';
  }
}

/**
 * `read()`'s result, or a ReadTimeoutError after `timeoutMs`. A client that queues commands while
 * it reconnects would otherwise hold a scrape open until Prometheus gives up, and report nothing.
 * The late result, or error, of a timed-out read is dropped.
 */
export function readWithTimeout<T>(read: () => Promise<T>, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new ReadTimeoutError(timeoutMs)), timeoutMs);
    // A read that throws before returning its promise is a failed read, not a crashed scrape.
    Promise.resolve()
      .then(read)
      .then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
  });
}
