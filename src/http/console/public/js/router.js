/**
 * Hash routes ('#/members/m_123?tab=ledger'): the server serves one page at /admin/, and a reload
 * or a shared link opens the same view. Patterns use ':name' for a path parameter.
 */
export function matchRoute(routes, hash) {
  const [path, search = ''] = (hash.replace(/^#/, '') || '/').split('?');
  const parts = path.split('/').filter(Boolean);
  for (const route of routes) {
    const pattern = route.path.split('/').filter(Boolean);
    if (pattern.length !== parts.length) continue;
    const params = {};
    const matches = pattern.every((segment, index) => {
      if (segment.startsWith(':')) {
        params[segment.slice(1)] = decodeURIComponent(parts[index]);
        return true;
      }
      return segment === parts[index];
    });
    if (matches) return { route, params, query: new URLSearchParams(search) };
  }
  return null;
}

export function navigate(hash) {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = hash;
}

/** '#/members/' + id, with each parameter encoded. */
export function link(...segments) {
  return `#/${segments.map((segment) => encodeURIComponent(segment)).join('/')}`;
}
