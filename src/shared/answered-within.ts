/** What `answeredWithin` rejects with, so that a caller can tell a wait it gave up on from a failure. */
export class NotAnsweredError extends Error {}

/**
 * The promise's answer, or a rejection once `ms` pass without one: a database that never answers must not hold up
 * what waits on it. `what` names the wait in the error. The promise itself runs on.
 */
export function answeredWithin<T>(ms: number, promise: Promise<T>, what = 'The database'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NotAnsweredError(`${what} did not answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, gaveUp]).finally(() => clearTimeout(timer));
}
