import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadingPath, pushPath, replyPath, type FakeLineApi, type RecordedLineRequest } from '../test/fakes/fake-line-api';

/** What the benchmark needs of a fake LINE API: where it is, and what reached it. */
export type LineRecorder = Pick<FakeLineApi, 'baseUrl' | 'replies' | 'pushes' | 'unexpected' | 'reset' | 'close'>;

/**
 * The benchmark's fake LINE API: reply, push and the loading animation on plain node:http, each request timestamped on
 * arrival. It shares the 2-core machine with the servers it measures, and test/fakes/fake-line-api.ts (express,
 * every documented failure mode, what the tests use) cost about 0.4 ms of CPU per reply, a fifth of a core at 500
 * events/s taken from the servers under test. It still refuses what LINE refuses on these routes that a correct
 * server could get wrong: no bearer token, a reply token used twice, or other than 1-5 messages.
 */
export async function startRecordingLineApi(): Promise<LineRecorder> {
  let replies: RecordedLineRequest[] = [];
  let pushes: RecordedLineRequest[] = [];
  let unexpected: RecordedLineRequest[] = [];
  const usedReplyTokens = new Set<string>();
  let requestSequence = 0;

  function answer(request: IncomingMessage, body: Record<string, unknown>): number {
    if (request.headers.authorization?.startsWith('Bearer ') !== true) return 401;
    const { url } = request;
    if (url === loadingPath) return 202;
    if (url !== replyPath && url !== pushPath) return 404;
    const messages = body.messages;
    if (!Array.isArray(messages) || messages.length < 1 || messages.length > 5) return 400;
    if (url === pushPath) return typeof body.to === 'string' ? 200 : 400;
    const token = body.replyToken;
    if (typeof token !== 'string' || usedReplyTokens.has(token)) return 400;
    usedReplyTokens.add(token);
    return 200;
  }

  function record(request: IncomingMessage, response: ServerResponse, receivedAt: number, text: string): void {
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // Recorded with an empty body; `answer` refuses it.
    }
    const status = answer(request, body);
    const path = request.url ?? '';
    const recorded: RecordedLineRequest = { method: request.method ?? '', path, headers: request.headers, body, status, receivedAt, unexpected: status === 404 };
    if (status === 404) unexpected.push(recorded);
    else if (path === replyPath) replies.push(recorded);
    else if (path === pushPath) pushes.push(recorded);
    requestSequence += 1;
    const answerBody = status === 200 ? `{"sentMessages":[{"id":"${requestSequence}","quoteToken":"q${requestSequence}"}]}` : status === 202 ? '{}' : '{"message":"refused by the benchmark\'s fake LINE API"}';
    response.writeHead(status, { 'content-type': 'application/json', 'x-line-request-id': `bench-${requestSequence}` }).end(answerBody);
  }

  const server = createServer((request, response) => {
    const receivedAt = performance.timeOrigin + performance.now();
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => record(request, response, receivedAt, Buffer.concat(chunks).toString('utf8')));
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    replies: () => replies,
    pushes: () => pushes,
    unexpected: () => unexpected,
    reset: () => {
      replies = [];
      pushes = [];
      unexpected = [];
      usedReplyTokens.clear();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
