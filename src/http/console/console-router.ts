import path from 'node:path';
import express, { Router } from 'express';

const publicDir = path.join(__dirname, 'public');
// Browser builds of libraries, served from node_modules so the console needs no CDN (the CSP allows only this origin).
const vendorFiles = new Map([['chart.umd.min.js', path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js')]]);

/**
 * `/admin/`: the marketers' console, static files and no build step. It talks to /admin/api with
 * `Authorization: Bearer` from sessionStorage and never with cookies, so another site cannot make a
 * logged-in browser send an admin request (no ambient credentials to ride on).
 */
export function createConsoleRouter(): Router {
  const router = Router();
  router.get('/', (request, response) => {
    // `/admin` without the slash: the page's relative hash links want the canonical URL.
    if (!request.originalUrl.split('?')[0]!.endsWith('/')) {
      response.redirect(301, `${request.originalUrl.split('?')[0]}/`);
      return;
    }
    response.set('Cache-Control', 'no-cache');
    response.sendFile('index.html', { root: publicDir });
  });
  router.get('/assets/vendor/:file', (request, response, next) => {
    const file = vendorFiles.get(request.params.file);
    if (!file) {
      next();
      return;
    }
    response.set('Cache-Control', 'no-cache');
    response.sendFile(file);
  });
  // File names carry no version: browsers keep them but revalidate with the ETag before each use.
  router.use(
    '/assets',
    express.static(publicDir, { index: false, redirect: false, cacheControl: false, setHeaders: (response) => response.set('Cache-Control', 'no-cache') }),
  );
  return router;
}
