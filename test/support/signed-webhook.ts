import { createHmac } from 'node:crypto';

/** X-Line-Signature for a body: Base64(HMAC-SHA256(channel secret, the exact bytes sent)). */
export function signLineBody(body: string | Buffer, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

/** X-Hub-Signature-256 for a body: `sha256=` + hex HMAC-SHA256(app secret, the exact bytes sent) (PLATFORMS.md 2.2). */
export function signMessengerBody(body: string | Buffer, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
}
