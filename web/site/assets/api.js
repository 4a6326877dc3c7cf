// The REST API as the pages use it: JSON in and out, the bearer token, and
// errors as Problem Details (RFC 9457) turned into an ApiError whose message
// is the server's title and detail.

/** An answer that was not 2xx/304: carries the Problem Details members. */
export class ApiError extends Error {
  constructor(status, problem) {
    const title = problem?.title || `HTTP ${status}`;
    super(problem?.detail ? `${title}: ${problem.detail}` : title);
    this.status = status;
    this.title = title;
    this.detail = problem?.detail || '';
    this.errors = Array.isArray(problem?.errors) ? problem.errors : [];
  }
}

/** A login kept in localStorage under `key` (one per page: the shop and the dashboard log in apart). */
export class Session {
  constructor(key) { this.key = key; this.onchange = null; }
  get() {
    try { return JSON.parse(localStorage.getItem(this.key) || 'null'); } catch { return null; }
  }
  get token() { return this.get()?.token || null; }
  get user() { return this.get()?.user || null; }
  set(login) {
    if (login) localStorage.setItem(this.key, JSON.stringify({ token: login.token, user: login.user, expires_at: login.expires_at }));
    else localStorage.removeItem(this.key);
    this.onchange?.();
  }
}

/**
 * Calls the API. `opts`: body (sent as JSON), session (its token is sent),
 * headers. Resolves to { status, data, headers }; rejects with ApiError.
 * A 401 with a token ends the session (the token was revoked or expired).
 */
export async function api(method, path, opts = {}) {
  const headers = { Accept: 'application/json', ...(opts.headers || {}) };
  const token = opts.session?.token;
  if (token) headers.Authorization = `Bearer ${token}`;
  // no-store: the pages reload after each live event and must see the change.
  // The browser's cache would revalidate with If-None-Match, and the API's
  // ETag of a product is its version, which a stock change leaves as it is:
  // the answer would be a 304 with the old stock.
  const init = { method, headers, cache: 'no-store' };
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(opts.body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, { title: 'Network error', detail: 'the server cannot be reached; check the connection and try again' });
  }
  const text = res.status === 204 || res.status === 304 ? '' : await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = { title: `HTTP ${res.status}`, detail: text.slice(0, 200) }; }
  }
  if (!res.ok) {
    if (res.status === 401 && token) opts.session.set(null);
    throw new ApiError(res.status, data);
  }
  return { status: res.status, data, headers: res.headers };
}

/** "12.50 EUR" from minor units. */
export function money(minor, currency) {
  const n = Number(minor || 0) / 100;
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency: currency || 'EUR' }).format(n);
  } catch {
    return `${n.toFixed(2)} ${currency || ''}`.trim();
  }
}

/**
 * A short, readable form of an id: its last 8 hex digits. Ids are UUIDv7, whose
 * first digits are the creation time (shared by every id made in the same
 * minute); the last ones are random and tell ids apart.
 */
export const shortId = (id) => String(id || '').replace(/-/g, '').slice(-8);

/** Order statuses as an OrderXxx event leaves them (null: no change a person cares about). */
export function statusAfter(msg) {
  switch (msg.event) {
    case 'OrderPlaced': return 'placed';
    case 'OrderConfirmed': return 'confirmed';
    case 'OrderRejected': return 'rejected';
    case 'OrderPaid': return 'paid';
    case 'OrderStatusChanged': return msg.data?.to || null;
    case 'OrderCancelled': return 'cancelled';
    default: return null;
  }
}

/** The order id of an event on an order stream ("order-<id>"), or null. */
export function orderIdOf(msg) {
  const s = msg.stream || '';
  return s.startsWith('order-') ? s.slice(6) : (msg.data?.order_id || null);
}
