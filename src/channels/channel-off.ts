import type { RequestHandler } from 'express';

/** CONTRACT.md: an off channel's webhook answers 404 with a one-line JSON reason. */
export function channelOff(channel: string, variables: string): RequestHandler {
  return (_req, res) => {
    res.status(404).json({
      error: { code: 'channel_off', message: `${channel} is off: set ${variables} to turn it on` },
    });
  };
}
