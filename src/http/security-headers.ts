import helmet from 'helmet';
import type { RequestHandler } from 'express';

/**
 * Headers for the pages people open in a browser (/admin and /chat) and the JSON behind them.
 * Everything a page loads comes from this origin, and no page uses inline scripts or styles, so
 * the CSP can be strict: an API value that slipped into markup still could not run.
 * QR codes are fetched with the bearer token and shown from blob: URLs, hence img-src blob:.
 */
export function pageSecurityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        manifestSrc: ["'self'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    referrerPolicy: { policy: 'same-origin' },
    // For browsers without frame-ancestors; the same answer: never in a frame.
    xFrameOptions: { action: 'deny' },
    // HSTS belongs to whoever terminates TLS (and knows whether subdomains are all https); over http browsers ignore it.
    strictTransportSecurity: false,
  });
}
