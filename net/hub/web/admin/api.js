// api: the console's calls to the hub's admin API (net/api/admin.openapi.yaml),
// with the session cookie (sent by the browser, HttpOnly) and, on every
// change, the session's CSRF token in X-CSRF-Token.

let csrf = null;
let onExpired = null;

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

// The CSRF token of the session (from the login or GET /session).
export function setCsrf(token) { csrf = token; }

// fn() is called when the hub answers 401 to a logged-in page: the session
// ended (expired, logged out elsewhere, the account changed).
export function whenExpired(fn) { onExpired = fn; }

export async function api(method, path, body) {
  const opt = { method, headers: { Accept: 'application/json' }, credentials: 'same-origin',
                cache: 'no-store' };
  if (body !== undefined) {
    opt.headers['Content-Type'] = 'application/json';
    opt.body = JSON.stringify(body);
  }
  if (method !== 'GET' && csrf) opt.headers['X-CSRF-Token'] = csrf;
  let res;
  try {
    res = await fetch('/api/v1/admin' + path, opt);
  } catch (e) {
    throw new ApiError(0, { title: 'network' });
  }
  const txt = await res.text();
  let data = null;
  if (txt) { try { data = JSON.parse(txt); } catch (e) { data = null; } }
  if (!res.ok) {
    if (res.status === 401 && path !== '/session' && onExpired) onExpired();
    throw new ApiError(res.status, data);
  }
  return data;
}
