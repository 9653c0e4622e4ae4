import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { startTestPlatform, testAdminTokens, type TestPlatform } from '../support/platform';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(() => platform.close());

function directivesOf(csp: string | undefined): Map<string, string> {
  return new Map(
    (csp ?? '')
      .split(';')
      .map((directive) => directive.trim())
      .filter(Boolean)
      .map((directive) => [directive.split(/\s+/)[0]!, directive.split(/\s+/).slice(1).join(' ')]),
  );
}

describe('GET /admin/ (the console)', () => {
  it('serves the page with a CSP that allows no inline script or style and no framing', async () => {
    const response = await request(platform.app).get('/admin/');
    expect(response.status).toBe(200);
    expect(response.type).toBe('text/html');
    const csp = directivesOf(response.headers['content-security-policy']);
    expect(csp.get('default-src')).toBe("'none'");
    expect(csp.get('script-src')).toBe("'self'");
    expect(csp.get('style-src')).toBe("'self'");
    expect(csp.get('frame-ancestors')).toBe("'none'");
    expect(csp.get('base-uri')).toBe("'none'");
    expect(response.headers['content-security-policy']).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['referrer-policy']).toBe('same-origin');
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(response.headers['set-cookie']).toBeUndefined();
    expect(response.text).toContain('<script type="module" src="/admin/assets/js/app.js">');
  });

  it('redirects /admin to /admin/ and serves the modules as JavaScript with nosniff', async () => {
    const redirect = await request(platform.app).get('/admin');
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe('/admin/');
    const script = await request(platform.app).get('/admin/assets/js/app.js');
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toMatch(/^(text|application)\/javascript/);
    expect(script.headers['x-content-type-options']).toBe('nosniff');
    expect((await request(platform.app).get('/admin/assets/nope.js')).status).toBe(404);
    // Chart.js's browser build comes from node_modules, from this origin: the CSP needs no CDN.
    const chart = await request(platform.app).get('/admin/assets/vendor/chart.umd.min.js');
    expect(chart.status).toBe(200);
    expect(chart.headers['content-type']).toMatch(/^(text|application)\/javascript/);
    expect(chart.text).toContain('Chart.js v4');
    expect((await request(platform.app).get('/admin/assets/vendor/__proto__')).status).toBe(404);
    expect((await request(platform.app).get('/admin/assets/vendor/..%2Fpackage.json')).status).toBe(404);
  });

  it('keeps /admin/api answering JSON, not the page, and never caching member data', async () => {
    const unauthenticated = await request(platform.app).get('/admin/api/rewards');
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.type).toBe('application/json');
    const session = await request(platform.app).get('/admin/api/session').set('Authorization', `Bearer ${testAdminTokens.marketer}`);
    expect(session.status).toBe(200);
    expect(session.headers['cache-control']).toBe('no-store');
    expect(session.body).toEqual({
      role: 'marketer',
      name: expect.stringMatching(/^marketer:[0-9a-f]{8}$/),
      writable: ['/members/:id/marketing', '/point-codes', '/rewards', '/missions', '/programme', '/tier-rules', '/flows', '/templates', '/preview', '/analytics', '/segments', '/broadcasts'],
    });
    const viewer = await request(platform.app).get('/admin/api/session').set('Authorization', `Bearer ${testAdminTokens.viewer}`);
    expect(viewer.body.writable).toEqual([]);
    const admin = await request(platform.app).get('/admin/api/session').set('Authorization', `Bearer ${testAdminTokens.admin}`);
    expect(admin.body.writable).toEqual(expect.arrayContaining(['/members', '/redemptions', '/jobs', '/rewards']));
  });

  it('has no page script that writes markup from strings', () => {
    const root = path.join(__dirname, '..', '..', 'src', 'http', 'console', 'public');
    const scripts = (function walk(dir: string): string[] {
      return readdirSync(dir).flatMap((name) => {
        const full = path.join(dir, name);
        return statSync(full).isDirectory() ? walk(full) : full.endsWith('.js') ? [full] : [];
      });
    })(root);
    expect(scripts.length).toBeGreaterThan(10);
    for (const script of scripts) {
      expect({ script, source: readFileSync(script, 'utf8') }).toEqual({
        script,
        source: expect.not.stringMatching(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/),
      });
    }
  });
});

describe('GET /chat (the web chat)', () => {
  it('keeps its strict CSP and gains the other page headers', async () => {
    const response = await request(platform.app).get('/chat');
    expect(response.status).toBe(200);
    const csp = directivesOf(response.headers['content-security-policy']);
    expect(csp.get('frame-ancestors')).toBe("'none'");
    expect(csp.get('script-src')).toBe("'self'");
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['referrer-policy']).toBe('same-origin');
    expect(response.headers['cross-origin-opener-policy']).toBe('same-origin');
    const asset = await request(platform.app).get('/chat/assets/chat.js');
    expect(asset.headers['x-content-type-options']).toBe('nosniff');
    expect(directivesOf(asset.headers['content-security-policy']).get('frame-ancestors')).toBe("'none'");
  });
});
