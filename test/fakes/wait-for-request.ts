/** Resolves with the first recorded request that matches, already seen or still to come; says what it saw on timeout. */
export function waitForRequest<Recorded extends { method: string; path: string; status: number }>(options: {
  fakeName: string;
  requests: Recorded[];
  listeners: Set<(request: Recorded) => void>;
  predicate: (request: Recorded) => boolean;
  timeoutMs: number;
}): Promise<Recorded> {
  const { fakeName, requests, listeners, predicate, timeoutMs } = options;
  return new Promise((resolve, reject) => {
    const already = requests.find(predicate);
    if (already !== undefined) {
      resolve(already);
      return;
    }
    const timer = setTimeout(() => {
      listeners.delete(listener);
      const seen = requests.map((request) => `${request.method} ${request.path} → ${request.status}`).join(', ');
      reject(new Error(`The fake ${fakeName} saw no matching request within ${timeoutMs} ms; it saw: ${seen || 'nothing'}`));
    }, timeoutMs);
    const listener = (request: Recorded) => {
      if (!predicate(request)) return;
      clearTimeout(timer);
      listeners.delete(listener);
      resolve(request);
    };
    listeners.add(listener);
  });
}
