// The admin dashboard: live order feed, order detail with its event history
// and status actions, products (create, edit with the version conflict shown,
// discontinue), stock adjustments and low-stock alerts, figures with a chart,
// connected clients by channel, projections with lag and rebuild, and the
// broadcast form. Live over the `admin` and `notifications` channels.

import { api, ApiError, Session, money, shortId, statusAfter, orderIdOf } from './api.js';
import { h, fill, showError, busy, field, focusHeading, parseHash, badge, newestOnly } from './ui.js';
import { connectLive, sessionEnded, toastFor, loginForm, showFlash, checkSession } from './page.js';
import { chart } from './chart.js';

const session = new Session('agora.admin');
const main = document.getElementById('main');
let view = {};
let flash = null;
let renderSeq = 0;
const NEXT_STATUS = { paid: 'processing', processing: 'shipped', shipped: 'delivered' };

const live = connectLive({
  session,
  onmessage: (msg) => {
    const progress = msg.kind === 'rebuild_progress' ? (msg.data || {}) : null;
    // A rebuild's or a dry run's progress moves a bar; only its end is worth a toast.
    if (!progress || progress.done || progress.error) toastFor(msg, { placed: 'New order' });
    view.onEvent?.(msg);
    // A rebuilt read model is served now: what the view shows may have changed without an event.
    if (progress?.done && !progress.dry_run) view.refresh?.();
  },
  onsubscribed: () => view.refresh?.(),
  onexpired: () => {
    flash = { error: sessionEnded() };
    route();
  },
});

function isAdmin() { return session.user?.role === 'admin' && Boolean(session.token); }

function renderHeader() {
  document.getElementById('admin-nav').hidden = !isAdmin();
  document.getElementById('logout').hidden = !isAdmin();
  fill(document.getElementById('who'), isAdmin() ? session.user.email : '');
  const { parts } = parseHash();
  document.querySelectorAll('#admin-nav a').forEach((a) => {
    const target = a.getAttribute('href').replace(/^#\/?/, '');
    const here = (parts[0] || '') === target || (target === '' && parts[0] === 'orders');
    if (here) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  });
}

document.getElementById('logout').addEventListener('click', async () => {
  try { await api('POST', '/api/auth/logout', { session }); } catch { /* ends either way */ }
  session.set(null);
});

session.onchange = () => {
  renderHeader();
  if (isAdmin()) live.subscribe('admin'); else live.unsubscribe('admin');
  live.start(isAdmin() ? session.token : null);
  route();
};

const when = (t) => (t ? new Date(t).toLocaleString() : '');

/** A one-button form that runs `work` and shows its error beside it. */
function action(label, work, attrs = {}) {
  const f = h('form', { className: 'inline' }, h('button', { type: 'submit', ...attrs }, label));
  f.addEventListener('submit', (e) => { e.preventDefault(); busy(f, work); });
  return f;
}

// --- orders ----------------------------------------------------------------------

async function feedView(params) {
  const status = params.get('status') || '';
  const q = new URLSearchParams({ limit: '50' });
  if (status) q.set('status', status);
  const orders = (await api('GET', `/api/orders?${q}`, { session })).data.items;
  const list = h('ol', { className: 'feed', id: 'order-feed', 'aria-live': 'off' });
  const item = (o) => h('li', { dataset: { orderId: o.id } },
    h('a', { href: `#/orders/${o.id}` }, `Order ${shortId(o.id)}`), ' ', badge(o.status, o.id), ' ',
    h('span', { className: 'price' }, money(o.total, o.currency)), ' ',
    h('span', { className: 'muted' }, `${o.items.reduce((s, i) => s + i.quantity, 0)} items · customer ${shortId(o.customer_id)} · ${when(o.created_at)}`));
  orders.forEach((o) => list.append(item(o)));
  const filter = h('select', { id: 'status-filter', onchange: (e) => { location.hash = e.target.value ? `#/orders?status=${e.target.value}` : '#/'; } },
    ['', 'pending', 'confirmed', 'rejected', 'paid', 'processing', 'shipped', 'delivered', 'cancelled']
      .map((s) => h('option', { value: s, selected: s === status }, s || 'all')));
  fill(main, h('h1', {}, 'Orders'), h('p', { className: 'muted' }, 'New orders appear at the top as they are placed; status changes show in place.'),
    h('div', { className: 'inline' }, h('label', { for: 'status-filter' }, 'Status'), filter),
    orders.length ? list : h('p', { id: 'no-orders' }, 'No orders yet.'));
  const fetchOrder = newestOnly(async (id) => (await api('GET', `/api/orders/${id}`, { session })).data);
  const update = async (id) => {
    let o;
    try { o = await fetchOrder(id); } catch { return; }
    if (!o) return;
    const fresh = item(o);
    fresh.classList.add('fresh');
    const old = list.querySelector(`li[data-order-id="${CSS.escape(id)}"]`);
    if (status && o.status !== status) { old?.remove(); return; }
    if (old) old.replaceWith(fresh);
    else {
      list.prepend(fresh);
      if (!list.isConnected) { main.querySelector('#no-orders')?.replaceWith(list); }
    }
  };
  return { refresh: () => route(true), onEvent: (msg) => { const id = orderIdOf(msg); if (id && statusAfter(msg)) update(id); } };
}

/** An event's data as short "key: value" lines (times and ids the page shows elsewhere left out). */
function details(data) {
  const shown = Object.entries(data || {}).filter(([k]) => !['at', 'order_id', 'customer_id'].includes(k));
  if (!shown.length) return null;
  const text = (k, v) => {
    if (v && typeof v === 'object' && 'minor' in v && 'currency' in v) return money(v.minor, v.currency);
    if (Array.isArray(v)) return v.map((x) => (x && x.sku ? `${x.quantity} × ${x.sku}` : JSON.stringify(x))).join(', ');
    if (v && typeof v === 'object') return JSON.stringify(v);
    if (/_at$/.test(k) && typeof v === 'number') return new Date(v / 1000).toLocaleString();  // microseconds
    return String(v);
  };
  return h('ul', { className: 'muted event-data' }, shown.map(([k, v]) => h('li', {}, `${k}: ${text(k, v)}`)));
}

async function orderView(id) {
  const box = h('section', {});
  const fetchBoth = newestOnly(() => Promise.all([api('GET', `/api/orders/${encodeURIComponent(id)}`, { session }),
    api('GET', `/api/orders/${encodeURIComponent(id)}/events`, { session })]));
  const load = async () => {
    const both = await fetchBoth();
    if (!both) return;
    const [o, ev] = both;
    const order = o.data;
    const next = NEXT_STATUS[order.status];
    fill(box, h('h1', {}, `Order ${shortId(order.id)}`),
      h('p', {}, 'Status: ', badge(order.status, order.id), ' · ', money(order.total, order.currency),
        ` · customer ${order.customer_id} · placed ${when(order.created_at)}`),
      next ? h('div', { className: 'actions' }, action(`Mark as ${next}`, async () => {
        await api('POST', `/api/orders/${order.id}/status`, { session, body: { status: next } });
        await load();
      }, { id: 'advance-status' })) : null,
      order.cancel_reason ? h('p', {}, `Cancelled: ${order.cancel_reason}`) : null,
      order.rejection_reasons?.length ? h('ul', {}, order.rejection_reasons.map((r) => h('li', {}, `${r.sku}: ${r.reason}`))) : null,
      h('h2', {}, 'Items'),
      h('div', { className: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'SKU'), h('th', { scope: 'col', className: 'num' }, 'Quantity'), h('th', { scope: 'col', className: 'num' }, 'Unit price'))),
        h('tbody', {}, order.items.map((i) => h('tr', {}, h('td', {}, i.sku), h('td', { className: 'num' }, String(i.quantity)), h('td', { className: 'num' }, money(i.price, order.currency))))))),
      h('h2', {}, 'History'),
      h('ol', { id: 'history' }, ev.data.items.map((e) => h('li', {}, h('strong', {}, e.type), ` · ${when(e.at)} · version ${e.version} · position ${e.position}`,
        details(e.data)))),
      h('p', {}, h('a', { href: '#/' }, 'All orders')));
  };
  await load();
  fill(main, box);
  return { refresh: () => load().catch(() => {}), onEvent: (msg) => { if (orderIdOf(msg) === id) load().catch(() => {}); } };
}

// --- products and stock ------------------------------------------------------------

function stockCell(p) {
  const s = p.stock;
  return s ? `${s.available} available (${s.on_hand} on hand, ${s.reserved} reserved, ${s.held} held)` : '—';
}

async function productsView() {
  const items = (await api('GET', '/api/products?limit=100', { session })).data.items;
  fill(main, h('h1', {}, 'Products'), h('p', {}, h('a', { className: 'button', href: '#/products/new' }, 'New product')),
    h('div', { className: 'table-wrap' }, h('table', { id: 'product-table' },
      h('thead', {}, h('tr', {}, ['Name', 'SKU', 'Price', 'Stock', 'Edit'].map((t) => h('th', { scope: 'col', className: t === 'Price' ? 'num' : null }, t)))),
      h('tbody', {}, items.map((p) => h('tr', { dataset: { sku: p.sku } },
        h('td', {}, h('a', { href: `#/products/${p.id}` }, p.name), p.discontinued ? ' (discontinued)' : ''),
        h('td', {}, p.sku), h('td', { className: 'num' }, money(p.price, p.currency)), h('td', {}, stockCell(p)),
        h('td', {}, h('a', { href: `#/products/${p.id}`, 'aria-label': `Edit ${p.name}` }, 'Edit'))))))));
  return { refresh: () => route(true) };
}

const toMinor = (v) => Math.round(Number(v) * 100);
const toMajor = (m) => (Number(m || 0) / 100).toFixed(2);

function productFields(p = {}, creating = false) {
  return [
    creating ? field('p-sku', 'SKU', { required: true, maxlength: '64' }) : null,
    field('p-name', 'Name', { required: true, value: p.name || '' }),
    field('p-description', 'Description', { tag: 'textarea', rows: '3', value: p.description || '' }),
    field('p-category', 'Category', { required: true, value: p.category || '' }),
    field('p-price', 'Price', { type: 'number', step: '0.01', min: '0', required: true, value: p.price !== undefined ? toMajor(p.price) : '' }),
    creating ? field('p-currency', 'Currency', { required: true, value: 'EUR', maxlength: '3', pattern: '[A-Z]{3}' }) : null,
    field('p-image', 'Image URL', { type: 'url', value: (p.image_urls || [])[0] || '' }),
    creating ? field('p-stock', 'Initial stock', { type: 'number', min: '0', value: '0' }) : null,
    creating ? field('p-threshold', 'Low-stock threshold', { type: 'number', min: '0', value: '5' }) : null,
  ];
}

function productBody(form, creating) {
  const v = (id) => form.elements[id]?.value ?? '';
  const body = { name: v('p-name'), description: v('p-description'), category: v('p-category'), price: toMinor(v('p-price')),
    image_urls: v('p-image') ? [v('p-image')] : [] };
  if (creating) Object.assign(body, { sku: v('p-sku'), currency: v('p-currency'), initial_stock: Number(v('p-stock')) || 0,
    low_stock_threshold: Number(v('p-threshold')) || 0 });
  return body;
}

function newProductView() {
  const form = h('form', { className: 'stack', id: 'product-form' }, productFields({}, true),
    h('div', { className: 'actions' }, h('button', { type: 'submit' }, 'Create product')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(form, async () => {
      const p = (await api('POST', '/api/products', { session, body: productBody(form, true) })).data;
      flash = { notice: `Created ${p.name}.` };
      location.hash = `#/products/${p.id}`;
    });
  });
  fill(main, h('h1', {}, 'New product'), form);
  return {};
}

async function productView(id) {
  let p = (await api('GET', `/api/products/${encodeURIComponent(id)}`, { session })).data;
  const box = h('div', {});
  const render = () => {
    const form = h('form', { className: 'stack', id: 'product-form' }, productFields(p),
      h('p', { className: 'field-hint' }, `Version ${p.version}: saving is refused if someone else saved since.`),
      h('div', { className: 'actions' }, h('button', { type: 'submit' }, 'Save changes')));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      busy(form, async () => {
        try {
          p = (await api('PATCH', `/api/products/${p.id}`, { session, body: productBody(form, false), headers: { 'If-Match': `"${p.version}"` } })).data;
          render();
          box.prepend(h('p', { className: 'notice', role: 'status' }, 'Saved.'));
        } catch (err) {
          if (err.status !== 412) throw err;
          // Someone else saved first: show their version; the edits stay in the form to re-apply.
          const theirs = (await api('GET', `/api/products/${p.id}`, { session })).data;
          const conflict = h('div', { className: 'error', role: 'alert', id: 'conflict' },
            h('strong', {}, 'Someone else changed this product first. '),
            `Now (version ${theirs.version}): “${theirs.name}”, ${money(theirs.price, theirs.currency)}, ${theirs.category}. `,
            h('button', { type: 'button', className: 'secondary', onclick: () => { p = theirs; render(); } }, 'Load their version'),
            ' ', h('button', { type: 'button', onclick: () => { p = { ...p, version: theirs.version }; conflict.remove(); form.requestSubmit(); } }, 'Save mine over it'));
          form.prepend(conflict);
        }
      });
    });
    const adjust = h('form', { className: 'inline', id: 'adjust-form' },
      h('div', {}, ...field('adj-delta', 'Change (+/−)', { type: 'number', required: true, step: '1' })),
      h('div', {}, ...field('adj-reason', 'Reason', { required: true, maxlength: '200', value: 'restock' })),
      h('button', { type: 'submit' }, 'Adjust stock'));
    adjust.addEventListener('submit', (e) => {
      e.preventDefault();
      busy(adjust, async () => {
        await api('POST', `/api/inventory/${encodeURIComponent(p.sku)}/adjustments`, { session,
          body: { delta: Number(adjust.elements['adj-delta'].value), reason: adjust.elements['adj-reason'].value } });
        p = (await api('GET', `/api/products/${p.id}`, { session })).data;
        render();
      });
    });
    fill(box, h('h1', {}, p.name), h('p', { className: 'muted' }, `SKU ${p.sku} · ${p.discontinued ? 'discontinued' : 'on sale'}`),
      form, h('h2', {}, 'Stock'), h('p', { id: 'stock-figures' }, stockCell(p)), adjust,
      p.discontinued ? null : h('div', {}, h('h2', {}, 'Discontinue'), h('p', {}, 'Takes the product off sale; orders already placed go on.'),
        action('Discontinue this product', async () => {
          if (!window.confirm(`Discontinue ${p.name}?`)) return;
          p = (await api('DELETE', `/api/products/${p.id}`, { session })).data;
          render();
        }, { className: 'danger' })));
  };
  render();
  fill(main, box);
  return {};
}

async function stockView() {
  const items = (await api('GET', '/api/inventory?low_stock=true&limit=100', { session })).data.items;
  fill(main, h('h1', {}, 'Low stock'), h('p', { className: 'muted' }, 'Items at or under their threshold; alerts arrive live.'),
    items.length ? h('div', { className: 'table-wrap' }, h('table', { id: 'low-stock' },
      h('thead', {}, h('tr', {}, ['SKU', 'Available', 'Threshold', 'Restock'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, items.map((s) => {
        const f = h('form', { className: 'inline' },
          h('label', { for: `restock-${s.sku}`, className: 'visually-hidden' }, `Units to add to ${s.sku}`),
          h('input', { id: `restock-${s.sku}`, type: 'number', min: '1', value: String(Math.max(1, s.low_stock_threshold * 2)), required: true }),
          h('button', { type: 'submit' }, 'Add'));
        f.addEventListener('submit', (e) => {
          e.preventDefault();
          busy(f, async () => {
            await api('POST', `/api/inventory/${encodeURIComponent(s.sku)}/adjustments`, { session, body: { delta: Number(f.querySelector('input').value), reason: 'restock' } });
            route(true);
          });
        });
        return h('tr', {}, h('td', {}, s.sku), h('td', { className: 'num' }, String(s.available)), h('td', { className: 'num' }, String(s.low_stock_threshold)), h('td', {}, f));
      })))) : h('p', {}, 'Nothing is low on stock.'));
  return { refresh: () => route(true), onEvent: (msg) => { if (msg.kind === 'low_stock' || msg.kind === 'back_in_stock') route(true); } };
}

// --- figures, live clients, projections, broadcast ------------------------------------

async function figuresView() {
  const [stats, recent] = await Promise.all([api('GET', '/api/admin/stats', { session }), api('GET', '/api/orders?limit=200', { session })]);
  const s = stats.data;
  const card = (label, value) => h('div', { className: 'card' }, h('span', { className: 'muted' }, label), h('strong', {}, value));
  const revenue = (s.revenue || []).map((r) => money(r.net, r.currency)).join(' · ') || money(0, 'EUR');
  fill(main, h('h1', {}, 'Figures'),
    h('div', { className: 'figures' }, card('Orders', String(s.total_orders)), card('Revenue (net)', revenue),
      card('Customers', String(s.total_customers)), card('Products', String(s.total_products)), card('Low on stock', String(s.low_stock_count))),
    h('h2', {}, 'Orders and revenue over time'), chart(recent.data.items),
    h('h2', {}, 'Orders by status'),
    h('div', { className: 'table-wrap' }, h('table', {}, h('tbody', {}, Object.entries(s.orders_by_status || {}).map(([k, v]) =>
      h('tr', {}, h('th', { scope: 'row' }, k), h('td', { className: 'num' }, String(v))))))),
    h('h2', {}, 'Top products'),
    h('ol', {}, (s.top_products || []).map((t) => h('li', {}, `${t.name} (${t.sku}): ${t.units} units`))));
  let timer = null;
  return { refresh: () => route(true), onEvent: (msg) => { if (orderIdOf(msg)) { clearTimeout(timer); timer = setTimeout(() => route(true), 500); } } };
}

async function liveView() {
  // GET /api/admin/stats carries "realtime": {connections, subscriptions: {channel: n}, ...}.
  const s = (await api('GET', '/api/admin/stats', { session })).data;
  const rt = s.realtime || null;
  const subs = Object.entries(rt?.subscriptions || {}).sort((a, b) => b[1] - a[1]);
  const card = (label, value) => h('div', { className: 'card' }, h('span', { className: 'muted' }, label), h('strong', {}, String(value ?? '—')));
  fill(main, h('h1', {}, 'Live clients'),
    rt ? h('div', { className: 'figures' }, card('Connected clients', rt.connections), card('Messages sent', rt.messages_sent),
      card('Closed as too slow', rt.slow_consumer_closes))
      : h('p', {}, 'The server reports no realtime figures.'),
    h('h2', {}, 'Subscriptions by channel'),
    subs.length ? h('div', { className: 'table-wrap' }, h('table', { id: 'channels' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Channel'), h('th', { scope: 'col', className: 'num' }, 'Subscribers'))),
      h('tbody', {}, subs.map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', { className: 'num' }, String(v)))))))
      : h('p', {}, 'No subscriptions right now.'),
    h('div', { className: 'actions' }, action('Refresh', () => route(true), { className: 'secondary' })));
  // The counts move with every page opened or closed: refresh every few seconds while shown.
  const timer = setInterval(() => route(true), 5000);
  return { refresh: () => route(true), cleanup: () => clearInterval(timer) };
}

let pollTimer = null;

async function projectionsView() {
  const items = (await api('GET', '/api/admin/projections', { session })).data.items;
  const progress = new Map();  // name -> percent, from the latest rebuild_progress message
  const table = h('tbody', {});
  const results = h('div', { id: 'dry-runs', 'aria-live': 'polite' });
  const dryRuns = new Map();  // name -> the last GET .../dry-run answer
  const render = (list) => fill(table, list.map((p) => {
    const done = p.position + p.lag > 0 ? Math.round((100 * p.position) / (p.position + p.lag)) : 100;
    const busyWith = p.rebuilding ? 'Rebuilding' : p.dry_running ? 'Dry run of' : null;
    return h('tr', { dataset: { projection: p.name } }, h('th', { scope: 'row' }, p.name), h('td', { className: 'num' }, String(p.position)),
      h('td', { className: 'num' }, String(p.lag)), h('td', {}, busyWith
        ? h('progress', { max: '100', value: String(progress.get(p.name) ?? done), 'aria-label': `${busyWith} ${p.name}` }) : (p.last_error || 'up to date')),
      h('td', {}, action('Rebuild', async () => {
        await api('POST', `/api/admin/projections/${encodeURIComponent(p.name)}/rebuild`, { session });
        await poll();
      }, { className: 'secondary', 'aria-label': `Rebuild ${p.name}`, disabled: Boolean(busyWith) }),
      action('Dry run', async () => {
        await api('POST', `/api/admin/projections/${encodeURIComponent(p.name)}/dry-run`, { session });
        await poll();
      }, { className: 'secondary', 'aria-label': `Dry run of ${p.name}`, disabled: Boolean(busyWith) })));
  }));
  const renderResults = () => fill(results, [...dryRuns.values()].map((r) => h('section', { className: 'card', dataset: { dryRun: r.name } },
    h('h2', {}, `Dry run of ${r.name}`),
    h('p', {}, r.state !== 'done' ? (r.state === 'failed' ? `failed: ${r.error}` : `running: position ${r.position} of ${r.target}`)
      : r.equal ? `equal to the live model at position ${r.position} (${r.live_entries} entries)`
        : `differs at position ${r.position}: ${r.only_live} only live, ${r.only_shadow} only in the rebuild, ${r.differing} with other values (live ${r.live_entries} entries, rebuild ${r.shadow_entries})`),
    r.first_differences.length ? h('ul', {}, r.first_differences.map((d) => h('li', {}, h('code', {}, d.key), ` (${d.kind.replace('_', ' ')})`))) : null)));
  const loadDryRun = async (name) => {
    try {
      dryRuns.set(name, (await api('GET', `/api/admin/projections/${encodeURIComponent(name)}/dry-run`, { session })).data);
      renderResults();
    } catch { /* none yet */ }
  };
  const poll = async () => {
    clearTimeout(pollTimer);
    let list;
    try { list = (await api('GET', '/api/admin/projections', { session })).data.items; } catch { return; }
    render(list);
    // While a rebuild or dry run runs its progress is read every second (the admin
    // channel's rebuild_progress messages move the bar in between).
    if (list.some((p) => p.rebuilding || p.dry_running)) pollTimer = setTimeout(poll, 1000);
    for (const p of list) if (p.dry_running || dryRuns.has(p.name)) await loadDryRun(p.name);
  };
  render(items);
  fill(main, h('h1', {}, 'Projections'), h('p', { className: 'muted' }, 'Each read model, its position in the log, and how far behind it is. A dry run rebuilds a model beside the live one and compares them, without switching.'),
    h('div', { className: 'table-wrap' }, h('table', { id: 'projections' },
      h('thead', {}, h('tr', {}, ['Projection', 'Position', 'Lag', 'State', 'Actions'].map((t) => h('th', { scope: 'col', className: t === 'Position' || t === 'Lag' ? 'num' : null }, t)))), table)),
    results);
  await Promise.all(items.map((p) => loadDryRun(p.name)));
  if (items.some((p) => p.rebuilding || p.dry_running)) poll();
  return {
    refresh: poll,
    cleanup: () => clearTimeout(pollTimer),
    onEvent: (msg) => {
      if (msg.kind !== 'rebuild_progress') return;
      const d = msg.data || {};
      if (d.name && d.target) progress.set(d.name, Math.round((100 * (d.position || 0)) / d.target));
      if (d.name && (d.done || d.error)) poll();
    },
  };
}

function broadcastView() {
  const form = h('form', { className: 'stack', id: 'broadcast-form' },
    field('b-title', 'Title', { required: true, maxlength: '200' }),
    field('b-body', 'Message', { tag: 'textarea', rows: '3', maxlength: '2000' }),
    h('label', { for: 'b-level' }, 'Level'),
    h('select', { id: 'b-level' }, ['info', 'warning', 'critical'].map((l) => h('option', { value: l }, l))),
    h('div', { className: 'actions' }, h('button', { type: 'submit' }, 'Send to everyone')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(form, async () => {
      const res = await api('POST', '/api/admin/notifications', { session,
        body: { title: form.elements['b-title'].value, body: form.elements['b-body'].value, level: form.elements['b-level'].value } });
      form.reset();
      form.after(h('p', { className: 'notice', role: 'status' }, `Sent (position ${res.data?.position ?? '?'}).`));
    });
  });
  fill(main, h('h1', {}, 'Broadcast a notification'), h('p', { className: 'muted' }, 'Every open shop and dashboard page shows it as a toast.'), form);
  return {};
}

function loginView() {
  const form = loginForm((login) => {
    if (login.user.role !== 'admin') throw new ApiError(403, { title: 'Not an admin', detail: 'this account cannot use the dashboard' });
    session.set(login);
  }, 'username');
  fill(main, h('h1', {}, 'Admin log in'), form);
  return {};
}

// --- routing -------------------------------------------------------------------------

async function route(quiet = false) {
  const seq = ++renderSeq;
  view.cleanup?.();
  renderHeader();
  const { parts, params } = parseHash();
  let next;
  try {
    if (!isAdmin()) next = loginView();
    else {
      switch (parts[0]) {
        case undefined: next = feedView(params); break;
        case 'orders': next = parts[1] ? orderView(parts[1]) : feedView(params); break;
        case 'products': next = parts[1] === 'new' ? newProductView() : (parts[1] ? productView(parts[1]) : productsView()); break;
        case 'stock': next = stockView(); break;
        case 'figures': next = figuresView(); break;
        case 'live': next = liveView(); break;
        case 'projections': next = projectionsView(); break;
        case 'broadcast': next = broadcastView(); break;
        default: throw new ApiError(404, { title: 'Not found', detail: 'there is no such page in the dashboard' });
      }
    }
    next = await next;
  } catch (err) {
    if (seq !== renderSeq) return;
    fill(main, h('h1', {}, 'Something went wrong'));
    showError(main, err);
    next = {};
  }
  if (seq !== renderSeq) return;
  view = next || {};
  showFlash(main, flash);
  flash = null;
  if (!quiet) focusHeading(main);
}

window.addEventListener('hashchange', () => route());
live.subscribe('notifications');
if (isAdmin()) live.subscribe('admin');
live.start(isAdmin() ? session.token : null);
checkSession(session);
route(true);  // the first view: focus stays at the top of the page (the skip link comes first)
