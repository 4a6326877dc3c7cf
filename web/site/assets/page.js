// What the storefront and the dashboard share around their views: the live
// connection wired to the indicator and to toasts, the toasts an event or a
// notification makes, the login form, and the flash message a view shows.

import { api, ApiError, shortId, statusAfter, orderIdOf } from './api.js';
import { h, showError, toast, setConnection, busy, field } from './ui.js';
import { Live } from './live.js';

/**
 * The page's live connection. `onmessage(msg)` gets each event or
 * notification once (after its toast); `onsubscribed(channel)` after each
 * (re)subscription; when the server ends the session (token expired or
 * revoked), `session` is cleared and `onexpired()` called.
 */
export function connectLive({ session, onmessage, onsubscribed, onexpired }) {
  return new Live({
    onstatus: (state, detail) => setConnection(state, detail),
    onmessage,
    onsubscribed,
    onexpired: () => {
      session.set(null);
      onexpired();
    },
    // A 401 here ends the session (api() clears it), and the page goes on anonymously.
    oncheckauth: () => api('GET', '/api/auth/me', { session }).catch(() => {}),
  });
}

/** At start: a token kept from an earlier visit may have ended (logout elsewhere, expiry); a 401 clears it. */
export function checkSession(session) {
  if (session.token) api('GET', '/api/auth/me', { session }).catch(() => {});
}

/** The message a view shows after the server ended the session. */
export const sessionEnded = () => new ApiError(401, { title: 'Logged out', detail: 'your session ended; log in again' });

/**
 * A toast for `msg`, once per position and type: notifications of `kinds`
 * (all when null), and order status changes. `placed`: the title for a new
 * order (null: no toast for it).
 */
export function toastFor(msg, { kinds = null, placed = null } = {}) {
  const key = `${msg.position}:${msg.event || msg.kind}`;
  if (msg.type === 'notification') {
    if (!kinds || kinds.includes(msg.kind)) toast({ key, title: msg.title || msg.kind, body: msg.body || '', level: msg.level || 'info' });
    return;
  }
  const id = orderIdOf(msg);
  const status = statusAfter(msg);
  if (!id || !status) return;
  if (status === 'placed') {
    if (placed) toast({ key, title: `${placed} ${shortId(id)}` });
    return;
  }
  toast({ key, title: `Order ${shortId(id)}: ${status}`, body: status === 'rejected' ? 'some items could not be reserved' : '',
    level: status === 'rejected' || status === 'cancelled' ? 'warning' : 'info' });
}

/** A log-in form; `done(login)` gets the answer of POST /api/auth/login (it may throw an ApiError to refuse it). */
export function loginForm(done, autocomplete = 'email') {
  const form = h('form', { className: 'stack', id: 'login-form' },
    field('login-email', 'E-mail', { type: 'email', autocomplete, required: true }),
    field('login-password', 'Password', { type: 'password', autocomplete: 'current-password', required: true }),
    h('div', { className: 'actions' }, h('button', { type: 'submit' }, 'Log in')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(form, async () => {
      const res = await api('POST', '/api/auth/login', { body: { email: form.elements['login-email'].value, password: form.elements['login-password'].value } });
      await done(res.data);
    });
  });
  return form;
}

/** Shows a flash ({notice} or {error}) at the top of `main`. */
export function showFlash(main, flash) {
  if (!flash) return;
  if (flash.error) showError(main, flash.error);
  else main.prepend(h('p', { className: 'notice', role: 'status' }, flash.notice));
}
