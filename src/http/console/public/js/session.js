import { api, forgetToken, storeToken } from './api.js';

let current = null;

/** Checks a token with GET /admin/api/session and keeps it for this tab. */
export async function signIn(token) {
  current = await api.get('/session', { token });
  storeToken(token);
  return current;
}

export async function resume() {
  current = await api.get('/session');
  return current;
}

export function signOut() {
  current = null;
  forgetToken();
}

export function session() {
  return current;
}

/** Whether this role may change things under an API path such as '/rewards' (the API enforces it either way). */
export function canWrite(path) {
  return current?.writable.includes(path) ?? false;
}
