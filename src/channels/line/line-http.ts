import { STATUS_CODES } from 'node:http';
import { Agent, request } from 'undici';

/** What a LINE Messaging API call answered: enough for outcomes and logs, nothing streamed. */
export interface LineHttpResponse {
  status: number;
  /** LINE ref #response-headers: x-line-request-id on every answer, x-line-accepted-request-id on a 409. */
  header(name: string): string | undefined;
  /** The body, for error messages; read only for failures. */
  text: string;
}

/**
 * The JSON POSTs every turn makes (reply, push, loading animation), sent with undici's `request` over a keep-alive
 * pool. The SDK's client sends them with global fetch, whose WHATWG streams and Headers were 15 % of the webhook's busy
 * CPU (docs/benchmark.md, fifth round); the rest of the API (rich menus) still goes through the SDK.
 */
export class LineHttp {
  // A connection is kept idle no longer than fetch kept it (4 s): a POST sent on one the server has just closed fails
  // with no status and is not retried, and a reply that fails that way has no push to fall back to. An answer must come
  // within 10 s, not undici's 5 minutes: a stalled API would otherwise hold a turn slot that long.
  private readonly dispatcher = new Agent({ keepAliveTimeout: 4_000, headersTimeout: 10_000, bodyTimeout: 10_000, connections: 64 });
  private readonly origin: string;
  private readonly authorization: string;

  constructor(baseUrl: string, channelAccessToken: string) {
    // The SDK resolves absolute paths against baseURL, so only its origin counts (PLATFORMS.md 1.2); the same here.
    this.origin = new URL(baseUrl).origin;
    this.authorization = `Bearer ${channelAccessToken}`;
  }

  async postJson(path: string, body: unknown, headers: Record<string, string> = {}): Promise<LineHttpResponse> {
    const response = await request(`${this.origin}${path}`, {
      method: 'POST',
      dispatcher: this.dispatcher,
      headers: { 'content-type': 'application/json', authorization: this.authorization, ...headers },
      body: JSON.stringify(body),
    });
    // The body is read on failure (for the log) and discarded on success; either way the connection goes back to the pool.
    let text = '';
    if (response.statusCode >= 200 && response.statusCode < 300) await response.body.dump();
    else text = await response.body.text();
    const responseHeaders = response.headers;
    return {
      status: response.statusCode,
      header: (name) => {
        const value = responseHeaders[name];
        return Array.isArray(value) ? value[0] : value;
      },
      text,
    };
  }
}

export function statusText(status: number): string {
  return STATUS_CODES[status] ?? '';
}
