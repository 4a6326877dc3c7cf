// DOM helpers shared by both pages: an element builder that only ever sets
// text (never HTML, so names typed by anyone cannot become markup), toasts in
// an aria-live region with a log of what was shown, the connection indicator,
// and error boxes made from Problem Details.

/** h('a', {href: '#/'}, 'text', child...): attributes, properties (on*, className, value...) and children. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'className') el.className = v;
    else if (k === 'value') el.value = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces the children of `el`. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** An error box for an ApiError (title: detail, and each field's message). */
export function errorBox(err) {
  const box = h('div', { className: 'error', role: 'alert' }, h('strong', {}, err.title || 'Error'),
    err.detail ? ` ${err.detail}` : (err.title ? '' : ` ${err.message}`));
  if (err.errors?.length) box.append(h('ul', {}, err.errors.map((e) => h('li', {}, `${e.field}: ${e.message}`))));
  return box;
}

/** Shows `err` in `where` (replacing an earlier error there). */
export function showError(where, err) {
  where.querySelectorAll(':scope > .error').forEach((e) => e.remove());
  if (err) where.prepend(errorBox(err));
}

const shown = new Set();
const shownOrder = [];

/**
 * A toast for a live message, at most once per `key` (the event's log position
 * and kind: the same event arriving again after a resume, or on two channels,
 * is not shown twice). Also appended to the page's log of updates.
 */
export function toast({ key, title, body = '', level = 'info' }) {
  if (key !== undefined) {
    if (shown.has(key)) return false;
    shown.add(key);
    shownOrder.push(key);
    if (shownOrder.length > 1000) shown.delete(shownOrder.shift());
  }
  const region = document.getElementById('toasts');
  const t = h('div', { className: `toast ${level}`, role: level === 'critical' ? 'alert' : 'status' },
    h('button', { type: 'button', className: 'close', 'aria-label': 'Dismiss', onclick: () => t.remove() }, '×'),
    h('strong', {}, title), body ? h('span', {}, body) : null);
  region?.append(t);
  // A burst (a resume replaying several changes) shows its latest few; the log keeps them all.
  while (region && region.children.length > 3) region.firstElementChild.remove();
  setTimeout(() => t.remove(), 8000);
  const log = document.getElementById('notice-log');
  if (log) {
    log.prepend(h('li', { dataset: { key: key ?? '' } }, h('time', {}, new Date().toLocaleTimeString()), ' ',
      h('strong', {}, title), body ? ` — ${body}` : ''));
    const count = document.getElementById('notice-count');
    if (count) count.textContent = String(log.children.length);
  }
  return true;
}

/** Sets the connection indicator: connected, reconnecting or offline. */
export function setConnection(state, detail = '') {
  const el = document.getElementById('conn');
  if (!el) return;
  el.dataset.state = state;
  const label = { connected: 'Live', reconnecting: 'Reconnecting…', offline: 'Offline', connecting: 'Connecting…' }[state] || state;
  el.textContent = label;
  el.title = detail || label;
}

/** Disables `form`'s controls while `work` runs; shows its error in the form. */
export async function busy(form, work) {
  const controls = [...form.querySelectorAll('button, input, select, textarea')];
  const was = controls.map((c) => c.disabled);
  controls.forEach((c) => { c.disabled = true; });
  form.setAttribute('aria-busy', 'true');
  try {
    showError(form, null);
    return await work();
  } catch (err) {
    showError(form, err);
    return undefined;
  } finally {
    controls.forEach((c, i) => { c.disabled = was[i]; });
    form.removeAttribute('aria-busy');
  }
}

/** A labelled input: returns [label, input]. */
export function field(id, text, attrs = {}) {
  return [h('label', { for: id }, text), h(attrs.tag || 'input', { id, name: id, ...attrs, tag: undefined })];
}

/** Moves focus to the new view's heading, so keyboard and screen reader users land on it. */
export function focusHeading(root) {
  const h1 = root.querySelector('h1');
  if (h1) { h1.tabIndex = -1; h1.focus({ preventScroll: false }); }
}

/** The view the URL hash names: "#/orders/42?x=1" -> { parts: ['orders', '42'], params }. */
export function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, query = ''] = raw.split('?');
  const params = new URLSearchParams(query);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { parts, params };
}

/** An order status as a badge; with `id`, marked data-order-status=<id> (the views update it in place). */
export function badge(status, id) {
  return h('span', { className: `badge ${status}`, dataset: id ? { orderStatus: id } : {} }, status);
}

/**
 * Wraps an async loader so that, per key (the first argument), only the
 * newest call's answer is used: answers to GETs sent one after another (one
 * per live event) may arrive out of order, and an older one must not paint
 * over a newer one. A superseded call resolves to undefined.
 */
export function newestOnly(load) {
  const seq = new Map();
  return async (...args) => {
    const key = String(args[0] ?? '');
    const mine = (seq.get(key) || 0) + 1;
    seq.set(key, mine);
    const value = await load(...args);
    return seq.get(key) === mine ? value : undefined;
  };
}
