// The token lives in sessionStorage (gone when the tab closes) and travels only in the
// Authorization header; requests omit cookies, so nothing ambient can authorise a forged request.

const tokenKey = 'console.token';
const base = '/admin/api';

export class ApiError extends Error {
  constructor(status, error) {
    super(error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = error?.code ?? 'unknown';
    this.details = Array.isArray(error?.details) ? error.details : [];
  }
}

export function storedToken() {
  return sessionStorage.getItem(tokenKey);
}

export function storeToken(token) {
  sessionStorage.setItem(tokenKey, token);
}

export function forgetToken() {
  sessionStorage.removeItem(tokenKey);
}

async function send(method, path, body, { token = storedToken(), accept = 'json' } = {}) {
  const headers = { Authorization: `Bearer ${token ?? ''}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, { code: 'network', message: 'network' });
  }
  if (response.status === 401 && token === storedToken()) window.dispatchEvent(new CustomEvent('console:unauthenticated'));
  if (!response.ok) {
    const payload = await response.json().catch(() => null);
    throw new ApiError(response.status, payload?.error);
  }
  return accept === 'blob' ? response.blob() : response.json();
}

export const api = {
  get: (path, options) => send('GET', path, undefined, options),
  post: (path, body) => send('POST', path, body ?? {}),
  put: (path, body) => send('PUT', path, body),
  patch: (path, body) => send('PATCH', path, body),
  delete: (path) => send('DELETE', path),
  /** An image the API serves behind the token (QR codes), as a blob: URL for an <img>. */
  async objectUrl(path) {
    return URL.createObjectURL(await send('GET', path, undefined, { accept: 'blob' }));
  },
};

/** A query string from the defined values only. */
export function query(parameters) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(parameters)) if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}
