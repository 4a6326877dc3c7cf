// The storefront: browse by category, search with suggestions, a product page
// with live stock, the cart with its hold's countdown, checkout, "my orders"
// with live status, register / log in / log out. Views are chosen by the URL
// hash (#/product/<id>, #/cart ...), so the server serves one page.

import { api, ApiError, Session, money, shortId, statusAfter, orderIdOf } from './api.js';
import { h, fill, showError, toast, busy, field, focusHeading, parseHash, badge, newestOnly } from './ui.js';
import { connectLive, sessionEnded, toastFor, loginForm, showFlash, checkSession } from './page.js';

const session = new Session('agora.shop');
const main = document.getElementById('main');
let view = { channels: [] };   // the current view: its channels, onEvent(msg), refresh()
let flash = null;               // a message for the next view
let renderSeq = 0;

// --- small stores in localStorage ---------------------------------------

const skuNames = (() => {
  let map;
  try { map = JSON.parse(localStorage.getItem('agora.shop.skus') || '{}'); } catch { map = {}; }
  return {
    remember(p) {
      if (!p?.sku) return;
      map[p.sku] = { id: p.id, name: p.name };
      localStorage.setItem('agora.shop.skus', JSON.stringify(map));
    },
    name: (sku) => map[sku]?.name || sku,
    id: (sku) => map[sku]?.id || null,
  };
})();

const cartKey = () => `agora.shop.cart.${session.user?.id || ''}`;
const cartId = () => localStorage.getItem(cartKey());
const setCartId = (id) => (id ? localStorage.setItem(cartKey(), id) : localStorage.removeItem(cartKey()));

// --- live updates --------------------------------------------------------

const live = connectLive({
  session,
  onmessage: (msg) => {
    if (msg.type === 'notification' || msg.channel === 'orders' || msg.channel.startsWith('orders:')) {
      toastFor(msg, { kinds: ['broadcast', 'back_in_stock'] });
    }
    view.onEvent?.(msg);
  },
  onsubscribed: (channel) => {
    if (view.channels.includes(channel) || channel === 'orders') view.refresh?.();
  },
  onexpired: () => {
    flash = { error: sessionEnded() };
    route();
  },
});

function setViewChannels(channels) {
  const old = view.channels.filter((c) => !channels.includes(c));
  if (old.length) live.unsubscribe(...old);
  if (channels.length) live.subscribe(...channels);
}

// --- header: account, cart, search -----------------------------------------

function renderHeader() {
  const user = session.user;
  document.querySelectorAll('[data-when]').forEach((el) => {
    el.hidden = (el.dataset.when === 'in') !== Boolean(user);
  });
  fill(document.getElementById('who'), user ? `(${user.email})` : '');
}

async function updateCartCount(cart) {
  const link = document.getElementById('cart-link');
  let n = 0;
  if (cart === undefined && session.token && cartId()) {
    try { cart = (await api('GET', `/api/carts/${cartId()}`, { session })).data; } catch { cart = null; }
  }
  if (cart && cart.status === 'open') n = cart.items.reduce((s, i) => s + i.quantity, 0);
  fill(link, n ? `Cart (${n})` : 'Cart');
}

document.getElementById('logout').addEventListener('click', async () => {
  try { await api('POST', '/api/auth/logout', { session }); } catch { /* the token ends either way */ }
  session.set(null);
  flash = { notice: 'You are logged out.' };
  if (location.hash === '#/' || !location.hash) route(); else location.hash = '#/';
});

session.onchange = () => {
  renderHeader();
  live.start(session.token);
  if (session.token) live.subscribe('orders'); else live.unsubscribe('orders');
};

(function searchBox() {
  const input = document.getElementById('q');
  const list = document.getElementById('suggestions');
  const form = document.getElementById('search-form');
  let items = [];
  let active = -1;
  let timer = null;
  let asked = 0;
  const close = () => {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };
  const mark = () => {
    [...list.children].forEach((li, i) => li.setAttribute('aria-selected', String(i === active)));
    if (active >= 0) input.setAttribute('aria-activedescendant', `sug-${active}`);
    else input.removeAttribute('aria-activedescendant');
  };
  const go = (q) => {
    close();
    location.hash = `#/search?q=${encodeURIComponent(q.trim())}`;
  };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    const prefix = input.value.trim();
    if (!prefix) return close();
    timer = setTimeout(async () => {
      const mine = ++asked;
      let got;
      try { got = (await api('GET', `/api/products/suggest?prefix=${encodeURIComponent(prefix)}&limit=8`)).data; } catch { return; }
      if (mine !== asked) return;  // an older answer arriving late
      items = got.suggestions || [];
      if (!items.length) return close();
      fill(list, items.map((s, i) => h('li', { id: `sug-${i}`, role: 'option', 'aria-selected': 'false',
        onmousedown: (e) => { e.preventDefault(); input.value = s; go(s); } }, s)));
      list.hidden = false;
      input.setAttribute('aria-expanded', 'true');
      active = -1;
    }, 150);
  });
  input.addEventListener('keydown', (e) => {
    if (list.hidden) return;
    if (e.key === 'ArrowDown') { active = (active + 1) % items.length; mark(); e.preventDefault(); }
    else if (e.key === 'ArrowUp') { active = (active - 1 + items.length) % items.length; mark(); e.preventDefault(); }
    else if (e.key === 'Escape') { close(); }
    else if (e.key === 'Enter' && active >= 0) { input.value = items[active]; }
  });
  input.addEventListener('blur', () => setTimeout(close, 100));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (input.value.trim()) go(input.value);
  });
})();

// --- views -------------------------------------------------------------------

function stockInfo(p) {
  if (p.discontinued) return { text: 'No longer sold', cls: 'out', n: 0 };
  const n = p.stock?.available ?? 0;
  if (n <= 0) return { text: 'Sold out', cls: 'out', n: 0 };
  if (n <= 5) return { text: `${n} left`, cls: 'low', n };
  return { text: 'In stock', cls: 'ok', n };
}

async function catalogView({ category = '', q = '' }) {
  const params = new URLSearchParams({ limit: '24' });
  if (category) params.set('category', category);
  if (q) params.set('q', q);
  const [cats, page] = await Promise.all([api('GET', '/api/categories'), api('GET', `/api/products?${params}`)]);
  const title = q ? `Results for “${q}”` : (category || 'All products');
  const grid = h('div', { className: 'grid', id: 'products' });
  const more = h('div', { className: 'actions' });
  const addCards = (items) => {
    for (const p of items) {
      skuNames.remember(p);
      const s = stockInfo(p);
      grid.append(h('article', { className: 'card product', dataset: { sku: p.sku } },
        h('h2', {}, h('a', { href: `#/product/${encodeURIComponent(p.id)}` }, p.name)),
        h('p', { className: 'muted' }, p.category),
        h('p', {}, h('span', { className: 'price' }, money(p.price, p.currency)), ' · ',
          h('span', { className: `stock ${s.cls}` }, s.text))));
    }
  };
  const showMore = (cursor) => {
    fill(more, cursor ? h('button', { type: 'button', className: 'secondary', onclick: async (e) => {
      e.target.disabled = true;
      params.set('cursor', cursor);
      try {
        const next = (await api('GET', `/api/products?${params}`)).data;
        addCards(next.items);
        showMore(next.next_cursor);
      } catch (err) { showError(more, err); }
    } }, 'Show more') : null);
  };
  addCards(page.data.items);
  showMore(page.data.next_cursor);
  const catLinks = [{ name: '', count: null }, ...cats.data.items].map((c) => h('li', {},
    h('a', { href: c.name ? `#/category/${encodeURIComponent(c.name)}` : '#/', 'aria-current': c.name === category && !q ? 'page' : null },
      c.name || 'All products', c.count !== null ? ` (${c.count})` : '')));
  fill(main, h('div', { className: 'layout' },
    h('nav', { className: 'side', 'aria-label': 'Categories' }, h('h2', {}, 'Categories'), h('ul', {}, catLinks)),
    h('section', { 'aria-labelledby': 'view-title' }, h('h1', { id: 'view-title' }, title),
      page.data.items.length ? grid : h('p', {}, q ? 'Nothing matches your search.' : 'No products here yet.'), more)));
  return { channels: [] };
}

async function productView(id) {
  let p = (await api('GET', `/api/products/${encodeURIComponent(id)}`)).data;
  skuNames.remember(p);
  const stock = h('p', { id: 'stock', className: 'stock', 'aria-live': 'polite' });
  const qty = h('input', { id: 'qty', name: 'qty', type: 'number', min: '1', max: '20', value: '1', inputmode: 'numeric' });
  const add = h('button', { type: 'submit', id: 'add-to-cart' }, 'Add to cart');
  let shownCount = null;  // what the page shows now: a change from 0 to more is "back in stock"
  const showStock = () => {
    const s = stockInfo(p);
    if (shownCount === 0 && s.n > 0) toast({ title: `Back in stock: ${p.name}`, body: s.text });
    shownCount = s.n;
    stock.className = `stock ${s.cls}`;
    fill(stock, s.text);
    add.disabled = s.n <= 0;
    qty.max = String(Math.max(1, Math.min(20, s.n)));
  };
  showStock();
  const form = h('form', { className: 'inline', id: 'add-form' },
    h('div', {}, h('label', { for: 'qty' }, 'Quantity'), qty), add);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!session.token) {
      flash = { notice: 'Log in (or register) to fill a cart.' };
      location.hash = `#/login?next=${encodeURIComponent(location.hash)}`;
      return;
    }
    busy(form, async () => {
      const cart = await addToCart(p.sku, Number(qty.value) || 1);
      updateCartCount(cart);
      form.after(h('p', { className: 'notice', role: 'status' }, `Added to your cart. `, h('a', { href: '#/cart' }, 'Go to the cart')));
    });
  });
  fill(main, h('article', { className: 'card' },
    h('p', {}, h('a', { href: `#/category/${encodeURIComponent(p.category)}` }, p.category)),
    h('h1', {}, p.name),
    (p.image_urls || []).slice(0, 1).map((u) => h('img', { src: u, alt: p.name, width: '320', loading: 'lazy' })),
    h('p', {}, p.description),
    h('p', { className: 'price' }, money(p.price, p.currency)),
    stock, p.discontinued ? null : form));
  const fetchProduct = newestOnly(async () => (await api('GET', `/api/products/${encodeURIComponent(id)}`)).data);
  const refresh = async () => {
    let fresh;
    try { fresh = await fetchProduct(); } catch { return; }
    if (!fresh) return;
    p = fresh;
    showStock();
  };
  return {
    channels: [`product:${p.id}`],
    refresh,
    onEvent: (msg) => { if (msg.channel === `product:${p.id}`) refresh(); },
  };
}

async function currentCart() {
  const id = cartId();
  if (!id) return null;
  try {
    const c = (await api('GET', `/api/carts/${id}`, { session })).data;
    if (c.status === 'open') return c;
  } catch (err) {
    if (err.status !== 404) throw err;
  }
  setCartId(null);
  return null;
}

async function addToCart(sku, n) {
  let cart = await currentCart();
  if (!cart) {
    cart = (await api('POST', '/api/carts', { session })).data;
    setCartId(cart.id);
  }
  const have = cart.items.find((i) => i.sku === sku)?.quantity || 0;
  return (await api('PUT', `/api/carts/${cart.id}/items/${encodeURIComponent(sku)}`, { session, body: { quantity: have + n } })).data;
}

let countdownTimer = null;

function needLogin(what) {
  fill(main, h('h1', {}, what), h('p', {}, h('a', { href: `#/login?next=${encodeURIComponent(location.hash)}` }, 'Log in'),
    ' or ', h('a', { href: '#/register' }, 'register'), ` to see ${what.toLowerCase()}.`));
  return { channels: [] };
}

async function cartView() {
  if (!session.token) return needLogin('Your cart');
  const cart = await currentCart();
  updateCartCount(cart);
  if (!cart || !cart.items.length) {
    fill(main, h('h1', {}, 'Your cart'), h('p', {}, 'Your cart is empty. ', h('a', { href: '#/' }, 'Browse the shop'), '.'));
    return { channels: [], refresh: () => route(true) };
  }
  const box = h('section', { 'aria-labelledby': 'view-title' });
  const rows = cart.items.map((i) => {
    const qid = `qty-${i.sku}`;
    const f = h('form', { className: 'inline' },
      h('label', { for: qid, className: 'visually-hidden' }, `Quantity of ${skuNames.name(i.sku)}`),
      h('input', { id: qid, type: 'number', min: '0', max: '20', value: String(i.quantity), inputmode: 'numeric' }),
      h('button', { type: 'submit', className: 'secondary' }, 'Update'),
      h('button', { type: 'button', className: 'secondary', onclick: () => busy(f, async () => {
        await api('DELETE', `/api/carts/${cart.id}/items/${encodeURIComponent(i.sku)}`, { session });
        route(true);
      }) }, 'Remove'));
    f.addEventListener('submit', (e) => {
      e.preventDefault();
      busy(f, async () => {
        await api('PUT', `/api/carts/${cart.id}/items/${encodeURIComponent(i.sku)}`, { session, body: { quantity: Number(f.querySelector('input').value) || 0 } });
        route(true);
      });
    });
    const pid = skuNames.id(i.sku);
    return h('tr', {}, h('td', {}, pid ? h('a', { href: `#/product/${pid}` }, skuNames.name(i.sku)) : i.sku),
      h('td', { className: 'num' }, money(i.price, cart.currency)), h('td', {}, f),
      h('td', { className: 'num' }, money(i.price * i.quantity, cart.currency)));
  });
  const countdown = h('span', { className: 'countdown', id: 'hold-countdown' });
  const holdLine = h('p', { id: 'hold', 'aria-live': 'off' }, 'Your items are held for ', countdown, '.');
  const tick = () => {
    if (!cart.expires_at) { fill(holdLine, ''); return; }
    const left = Math.max(0, Math.round((Date.parse(cart.expires_at) - Date.now()) / 1000));
    countdown.textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
    countdown.classList.toggle('urgent', left < 60);
    if (left === 0) {
      clearInterval(countdownTimer);
      fill(holdLine, h('strong', {}, 'The hold has lapsed: '), 'the items are no longer set aside for you.');
    }
  };
  clearInterval(countdownTimer);
  countdownTimer = setInterval(tick, 1000);
  tick();
  const checkout = h('form', { id: 'checkout-form' }, h('button', { type: 'submit', id: 'checkout' }, 'Check out'));
  checkout.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(checkout, async () => {
      const order = (await api('POST', `/api/carts/${cart.id}/checkout`, { session })).data;
      setCartId(null);
      updateCartCount(null);
      flash = order.status === 'rejected'
        ? { error: new ApiError(409, { title: 'Order rejected', detail: (order.rejection_reasons || []).map((r) => `${skuNames.name(r.sku)}: ${r.reason}`).join('; ') }) }
        : { notice: `Thank you! Your order is ${order.status}.` };
      location.hash = `#/orders/${order.id}`;
    });
  });
  fill(box, h('h1', { id: 'view-title' }, 'Your cart'), holdLine,
    h('div', { className: 'table-wrap' }, h('table', {},
      h('caption', { className: 'visually-hidden' }, 'Items in your cart'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Item'), h('th', { scope: 'col', className: 'num' }, 'Price'),
        h('th', { scope: 'col' }, 'Quantity'), h('th', { scope: 'col', className: 'num' }, 'Total'))),
      h('tbody', {}, rows),
      h('tfoot', {}, h('tr', {}, h('th', { scope: 'row', colspan: '3' }, 'Total'),
        h('td', { className: 'num price', id: 'cart-total' }, money(cart.total, cart.currency)))))),
    checkout);
  fill(main, box);
  return {
    channels: [],
    onEvent: (msg) => { if (msg.stream === `cart-${cart.id}` && /Expired|Cleared/.test(msg.event)) route(true); },
    cleanup: () => clearInterval(countdownTimer),
  };
}

async function ordersView() {
  if (!session.token) return needLogin('Your orders');
  const list = (await api('GET', '/api/orders?limit=50', { session })).data.items;
  const tbody = h('tbody', {});
  const row = (o) => h('tr', { dataset: { orderId: o.id } },
    h('td', {}, h('a', { href: `#/orders/${o.id}` }, `Order ${shortId(o.id)}`)),
    h('td', {}, new Date(o.created_at).toLocaleString()),
    h('td', { className: 'num' }, money(o.total, o.currency)),
    h('td', {}, badge(o.status, o.id)));
  list.forEach((o) => tbody.append(row(o)));
  fill(main, h('h1', {}, 'Your orders'), list.length
    ? h('div', { className: 'table-wrap' }, h('table', {}, h('caption', { className: 'visually-hidden' }, 'Your orders, newest first'),
      h('thead', {}, h('tr', {}, ['Order', 'Placed', 'Total', 'Status'].map((t) => h('th', { scope: 'col' }, t)))), tbody))
    : h('p', {}, 'No orders yet.'));
  const fetchOrder = newestOnly(async (id) => (await api('GET', `/api/orders/${id}`, { session })).data);
  const update = async (id) => {
    let o;
    try { o = await fetchOrder(id); } catch { return; }
    if (!o) return;
    if (!tbody.isConnected) { route(true); return; }  // the first order: draw the table
    const fresh = row(o);
    const old = tbody.querySelector(`tr[data-order-id="${CSS.escape(id)}"]`);
    if (old) old.replaceWith(fresh); else tbody.prepend(fresh);
  };
  return {
    channels: [],
    refresh: () => route(true),
    onEvent: (msg) => { const id = orderIdOf(msg); if (id && statusAfter(msg)) update(id); },
  };
}

async function orderView(id) {
  if (!session.token) return needLogin('Your order');
  const box = h('section', {});
  const render = (o, events) => {
    const actions = h('div', { className: 'actions' });
    const act = (label, path, body, cls) => {
      const f = h('form', {}, h('button', { type: 'submit', className: cls || '' }, label));
      f.addEventListener('submit', (e) => {
        e.preventDefault();
        busy(f, async () => { render((await api('POST', `/api/orders/${id}/${path}`, { session, body })).data, events); });
      });
      actions.append(f);
    };
    if (o.status === 'confirmed') act('Pay now', 'pay', { method: 'card' });
    if (['confirmed', 'paid', 'processing'].includes(o.status)) act('Cancel order', 'cancel', { reason: 'changed my mind' }, 'danger');
    fill(box, h('h1', {}, `Order ${shortId(o.id)}`),
      h('p', {}, 'Status: ', h('span', { id: 'order-status' }, badge(o.status, o.id))),
      o.payment_due_at && o.status === 'confirmed' ? h('p', {}, `Please pay by ${new Date(o.payment_due_at).toLocaleString()}.`) : null,
      o.rejection_reasons?.length ? h('ul', { className: 'error' }, o.rejection_reasons.map((r) => h('li', {}, `${skuNames.name(r.sku)}: ${r.reason}`))) : null,
      h('div', { className: 'table-wrap' }, h('table', {}, h('caption', { className: 'visually-hidden' }, 'Items'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Item'), h('th', { scope: 'col', className: 'num' }, 'Quantity'), h('th', { scope: 'col', className: 'num' }, 'Price'))),
        h('tbody', {}, o.items.map((i) => h('tr', {}, h('td', {}, skuNames.name(i.sku)), h('td', { className: 'num' }, String(i.quantity)),
          h('td', { className: 'num' }, money(i.price * i.quantity, o.currency))))),
        h('tfoot', {}, h('tr', {}, h('th', { scope: 'row', colspan: '2' }, 'Total'), h('td', { className: 'num price' }, money(o.total, o.currency)))))),
      actions,
      h('p', {}, h('a', { href: '#/orders' }, 'All my orders')));
  };
  const fetchOrder = newestOnly(async () => (await api('GET', `/api/orders/${encodeURIComponent(id)}`, { session })).data);
  const load = async () => { const o = await fetchOrder(); if (o) render(o); };
  await load();
  fill(main, box);
  return {
    channels: [],
    refresh: () => load().catch(() => {}),
    onEvent: (msg) => { if (orderIdOf(msg) === id) load().catch(() => {}); },
  };
}

function loginView(next) {
  const form = loginForm((login) => {
    session.set(login);
    flash = { notice: `Welcome back, ${login.user.email}.` };
    location.hash = next || '#/';
  });
  fill(main, h('h1', {}, 'Log in'), form, h('p', {}, 'New here? ', h('a', { href: '#/register' }, 'Create an account'), '.'));
  return { channels: [] };
}

function registerView() {
  const form = h('form', { className: 'stack', id: 'register-form' },
    field('reg-name', 'Name', { autocomplete: 'name', required: true }),
    field('reg-email', 'E-mail', { type: 'email', autocomplete: 'email', required: true }),
    field('reg-password', 'Password', { type: 'password', autocomplete: 'new-password', required: true, minlength: '8', maxlength: '128', 'aria-describedby': 'pw-hint' }),
    h('p', { className: 'field-hint', id: 'pw-hint' }, 'At least 8 characters.'),
    h('div', { className: 'actions' }, h('button', { type: 'submit' }, 'Create account')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(form, async () => {
      const email = form.elements['reg-email'].value;
      const password = form.elements['reg-password'].value;
      await api('POST', '/api/auth/register', { body: { name: form.elements['reg-name'].value, email, password } });
      // 202 says the same whether or not the address was free: logging in tells.
      try {
        session.set((await api('POST', '/api/auth/login', { body: { email, password } })).data);
      } catch (err) {
        throw new ApiError(err.status, { title: 'Could not log you in', detail: 'if this address already had an account, log in with its password' });
      }
      flash = { notice: 'Your account is ready. Happy shopping!' };
      location.hash = '#/';
    });
  });
  fill(main, h('h1', {}, 'Create an account'), form, h('p', {}, 'Already registered? ', h('a', { href: '#/login' }, 'Log in'), '.'));
  return { channels: [] };
}

// --- routing ---------------------------------------------------------------------

async function route(quiet = false) {
  const seq = ++renderSeq;
  view.cleanup?.();
  const { parts, params } = parseHash();
  let next;
  try {
    switch (parts[0]) {
      case undefined: next = catalogView({}); break;
      case 'category': next = catalogView({ category: parts[1] || '' }); break;
      case 'search': next = catalogView({ q: params.get('q') || '' }); break;
      case 'product': next = productView(parts[1]); break;
      case 'cart': next = cartView(); break;
      case 'orders': next = parts[1] ? orderView(parts[1]) : ordersView(); break;
      case 'login': next = loginView(params.get('next')); break;
      case 'register': next = registerView(); break;
      default: next = Promise.reject(new ApiError(404, { title: 'Not found', detail: 'there is no such page in the shop' }));
    }
    next = await next;
  } catch (err) {
    if (seq !== renderSeq) return;
    fill(main, h('h1', {}, 'Something went wrong'), h('p', {}, h('a', { href: '#/' }, 'Back to the shop')));
    showError(main, err);
    next = { channels: [] };
  }
  if (seq !== renderSeq) return;  // a newer navigation won
  setViewChannels(next.channels || []);
  view = next;
  view.channels = view.channels || [];
  showFlash(main, flash);
  flash = null;
  if (!quiet) focusHeading(main);
}

window.addEventListener('hashchange', () => route());
renderHeader();
updateCartCount();
live.subscribe('notifications');
if (session.token) live.subscribe('orders');
live.start(session.token);
checkSession(session);
route(true);  // the first view: focus stays at the top of the page (the skip link comes first)
