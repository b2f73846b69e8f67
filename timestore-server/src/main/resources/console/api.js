// The console's only way to the server: the public API, with the session's token in a header.
// The token lives in this module's memory only: never in localStorage, sessionStorage, cookies or URLs.

let session = null; // { token, who, expiresAt, how }
const listeners = new Set();

export class ApiError extends Error {
  constructor(problem) {
    super(problem.title || 'Request failed');
    this.problem = problem;
  }
}

export function currentSession() {
  return session;
}

export function onSessionChange(listener) {
  listeners.add(listener);
}

export function setSession(next) {
  session = next;
  listeners.forEach((l) => l(session));
}

/** Calls the API; resolves to the Response, or throws ApiError with the problem document. */
export async function call(path, { method = 'GET', body, accept = 'application/json', headers = {}, tenant } = {}) {
  const h = { Accept: accept, ...headers };
  if (session) h.Authorization = 'Bearer ' + session.token;
  if (tenant) h['X-Tenant-ID'] = tenant;
  if (body !== undefined) h['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit', cache: 'no-store' });
  } catch (e) {
    throw new ApiError({ title: 'The server cannot be reached', detail: String(e.message || e) });
  }
  if (!response.ok) {
    let problem;
    try {
      problem = await response.json();
    } catch {
      problem = { title: response.statusText || 'Request failed', status: response.status };
    }
    problem.status = problem.status || response.status;
    problem.request_id = problem.request_id || response.headers.get('X-Request-ID');
    if (response.status === 401 && session) {
      setSession({ ...session, expired: true });
    }
    throw new ApiError(problem);
  }
  return response;
}

export async function json(path, options) {
  const response = await call(path, options);
  return response.status === 204 ? null : response.json();
}

/** A query string from an object, leaving out empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (Array.isArray(v)) v.forEach((x) => q.append(k, x));
    else if (v !== undefined && v !== null && v !== '') q.set(k, v);
  }
  const s = q.toString();
  return s ? '?' + s : '';
}

export const enc = encodeURIComponent;
