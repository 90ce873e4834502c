/** `work`, or a rejection with `timeoutError()` once `ms` have passed; the timer never outlives it. */
export function withTimeout<T>(
  work: Promise<T>,
  ms: number,
  timeoutError: () => Error = () => new Error(`timed out after ${ms} ms`),
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeoutError()), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
