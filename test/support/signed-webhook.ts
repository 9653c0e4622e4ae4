import { createHmac } from 'node:crypto';

/** X-Line-Signature for a body: Base64(HMAC-SHA256(channel secret, the exact bytes sent)). */
export function signLineBody(body: string | Buffer, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}
