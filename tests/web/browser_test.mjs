// The storefront and the admin dashboard in headless Chromium against a real
// agorad (issue 14):
//  - a customer registers, searches (with suggestions), adds to the cart,
//    checks out, sees the order confirmed and pays;
//  - the admin page, open in a second browser context, shows the new order
//    without a reload, changes its status, and the customer's page shows it
//    without a reload;
//  - the customer's network is cut (a TCP proxy between the browser and
//    agorad) while the admin moves the order on; after it is restored the
//    page resumes and shows each change exactly once (no missed, no doubled
//    toast);
//  - axe-core finds no critical or serious violation on either page; no CSP
//    violation or page error happens;
//  - each page's cold-cache load time and transferred bytes are measured and
//    printed; screenshots go to OUTPUT_DIR.
// Every wait is a condition with a generous deadline, never a fixed sleep.
//   node browser_test.mjs AGORAD OUTPUT_DIR CHROMIUM

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const [agoradArg, outArg, chromiumPath] = process.argv.slice(2);
const agoradPath = path.resolve(agoradArg);
const outDir = path.resolve(outArg);
const WAIT = 30000;            // the deadline of each condition (a busy machine)
const LOAD_BUDGET_MS = 1000;   // issue 14: a page loads in under 1 s on loopback, cold cache
const BYTES_BUDGET = 200 * 1024;
const ADMIN = { email: 'admin@shop.test', password: 'admin-password-1' };
const CUSTOMER = { name: 'Casey Customer', email: `casey.${process.pid}@shop.test`, password: 'casey-password-1' };

let agorad = null;
let browser = null;
let proxy = null;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agora-browser-'));
const problems = [];  // CSP violations and page errors, from every page

function log(...args) { console.log('[browser]', ...args); }

async function cleanup() {
  try { await browser?.close(); } catch { /* already gone */ }
  proxy?.close();
  if (agorad && agorad.exitCode === null) {
    agorad.kill('SIGTERM');
    await new Promise((resolve) => { const t = setTimeout(() => { agorad.kill('SIGKILL'); resolve(); }, 10000); agorad.once('exit', () => { clearTimeout(t); resolve(); }); });
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
}

// --- agorad ------------------------------------------------------------------------------

async function startAgorad() {
  const args = ['--http.address=127.0.0.1', '--http.port=0', `--store.path=${dataDir}/store`, '--kafka.brokers=off',
    // Cheap password hashes (tests only) and room for a browser's bursts from one address.
    '--auth.allow_weak_password_cost=true', '--auth.password_ops_limit=1', '--auth.password_mem_limit=8KiB',
    '--http.rate_limit.per_minute=60000', '--http.rate_limit.burst=5000'];
  const env = { ...process.env, AGORA_ADMIN_EMAIL: ADMIN.email, AGORA_ADMIN_PASSWORD: ADMIN.password };
  agorad = spawn(agoradPath, args, { cwd: dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const logFile = fs.createWriteStream(path.join(outDir, 'agorad.log'));
  let seen = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`agorad did not start within ${WAIT} ms:\n${seen.slice(-2000)}`)), WAIT);
    const onData = (chunk) => {
      logFile.write(chunk);
      if (seen.length < 100000) seen += chunk.toString();
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(seen);
      if (m && /agorad ready/.test(seen)) { clearTimeout(timer); resolve(Number(m[1])); }
    };
    agorad.stdout.on('data', onData);
    agorad.stderr.on('data', onData);
    agorad.once('exit', (code) => { clearTimeout(timer); reject(new Error(`agorad exited (${code}):\n${seen.slice(-2000)}`)); });
  });
}

async function rest(base, method, p, body, token) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(base + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function seed(base) {
  const { token } = await rest(base, 'POST', '/api/auth/login', ADMIN);
  const products = [
    { sku: 'LAMP-1', name: 'Desk lamp', description: 'A warm light for late work.', price: 3900, currency: 'EUR', category: 'Home', initial_stock: 12, low_stock_threshold: 3 },
    { sku: 'MUG-1', name: 'Stoneware mug', description: 'Holds a large coffee.', price: 1450, currency: 'EUR', category: 'Kitchen', initial_stock: 40, low_stock_threshold: 5 },
    { sku: 'KETTLE-1', name: 'Steel kettle', description: 'Boils a litre in three minutes.', price: 4990, currency: 'EUR', category: 'Kitchen', initial_stock: 3, low_stock_threshold: 2 },
    { sku: 'RUG-1', name: 'Wool rug', description: 'Soft underfoot.', price: 12900, currency: 'EUR', category: 'Home', initial_stock: 0, low_stock_threshold: 1 },
  ];
  const ids = {};
  for (const p of products) ids[p.sku] = (await rest(base, 'POST', '/api/products', p, token)).id;
  return { token, ids };
}

// --- the proxy the customer's browser goes through, so the test can cut its network ---

function startProxy(targetPort) {
  const pairs = new Set();
  let cut = false;
  const server = net.createServer((client) => {
    if (cut) { client.destroy(); return; }
    const upstream = net.connect(targetPort, '127.0.0.1');
    const pair = { client, upstream };
    pairs.add(pair);
    const drop = () => { client.destroy(); upstream.destroy(); pairs.delete(pair); };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    port: server.address().port,
    cut() { cut = true; for (const p of [...pairs]) { p.client.destroy(); p.upstream.destroy(); } pairs.clear(); },
    restore() { cut = false; },
    close() { this.cut(); server.close(); },
  })));
}

// --- helpers ---------------------------------------------------------------------------------

const openPages = [];  // every page, for a screenshot of each when the test fails

function watch(page, name) {
  openPages.push({ page, name });
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text())) problems.push(`${name}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`${name}: page error: ${e.message}`));
  return page;
}

/** Waits until `fn` (async, in Node) returns a truthy value; fails with `what` after `ms`. */
async function until(what, fn, ms = WAIT) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try { last = await fn(); if (last) return last; } catch (e) { last = e; }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${last?.message ?? last})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Playwright's own auto-waiting: the locator becomes visible, with text matching `text` if given. */
async function see(locator, text, ms = WAIT) {
  const l = text ? locator.filter({ hasText: text }) : locator;
  await l.first().waitFor({ state: 'visible', timeout: ms });
  return l.first();
}

async function logEntries(page, pattern) {
  return page.locator('#notice-log li').filter({ hasText: pattern }).count();
}

/** Waits until the page's log of live updates (inside a closed <details>) holds an entry matching `text`. */
async function logged(page, text, ms = WAIT) {
  await page.locator('#notice-log li').filter({ hasText: text }).first().waitFor({ state: 'attached', timeout: ms });
}

async function axeCheck(page, name) {
  await page.evaluate(fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'critical' || v.impact === 'serious');
  const minor = result.violations.filter((v) => !bad.includes(v)).map((v) => `${v.id} (${v.impact})`);
  log(`axe ${name}: ${bad.length} critical/serious, ${minor.length} other${minor.length ? `: ${minor.join(', ')}` : ''}`);
  if (bad.length) {
    throw new Error(`axe on ${name}: ${bad.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join('; ')})`).join('\n')}`);
  }
}

/**
 * Loads `url` in a fresh context (an empty cache) `runs` times, waits for
 * `ready` each time, and measures: time to the load event (the page and its
 * modules), time until `ready` shows (with the API calls), and the bytes
 * transferred (page, assets and API answers, headers included). The median
 * run is held to the budgets, so one hiccup of a busy machine does not fail
 * the test while a page that is slow every time does.
 */
async function measure(url, ready, name, runs = 3) {
  const all = [];
  for (let i = 0; i < runs; ++i) {
    const ctx = await browser.newContext();
    const page = watch(await ctx.newPage(), name);
    await page.goto(url, { waitUntil: 'load' });
    await see(page.locator(ready));
    all.push(await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const res = performance.getEntriesByType('resource');
      return {
        load_ms: nav.loadEventEnd - nav.startTime,
        ready_ms: performance.now(),
        bytes: nav.transferSize + res.reduce((s, r) => s + r.transferSize, 0),
        requests: 1 + res.length,
      };
    }));
    await ctx.close();
  }
  const median = (key) => all.map((m) => m[key]).sort((a, b) => a - b)[Math.floor(all.length / 2)];
  const m = { load_ms: median('load_ms'), ready_ms: median('ready_ms'), bytes: Math.max(...all.map((r) => r.bytes)),
    requests: all[0].requests, runs: all };
  log(`load ${name} (cold cache, median of ${runs}): ${m.load_ms.toFixed(0)} ms to the load event ` +
      `(${all.map((r) => r.load_ms.toFixed(0)).join(', ')}), ${m.ready_ms.toFixed(0)} ms to content, ` +
      `${m.bytes} bytes in ${m.requests} requests`);
  if (!(m.load_ms < LOAD_BUDGET_MS)) throw new Error(`${name} took ${m.load_ms} ms to load (budget ${LOAD_BUDGET_MS})`);
  if (!(m.bytes < BYTES_BUDGET)) throw new Error(`${name} transferred ${m.bytes} bytes (budget ${BYTES_BUDGET})`);
  return m;
}

// --- the test ----------------------------------------------------------------------------------

async function main() {
  fs.mkdirSync(outDir, { recursive: true });
  const port = await startAgorad();
  const direct = `http://127.0.0.1:${port}`;
  log(`agorad on ${direct}, data in ${dataDir}`);
  const { token: adminToken, ids } = await seed(direct);
  proxy = await startProxy(port);
  const viaProxy = `http://127.0.0.1:${proxy.port}`;
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  const shot = (page, name) => page.screenshot({ path: path.join(outDir, `${name}.png`), fullPage: true });

  // Cold-cache loads of both pages, each in a fresh context, after one page
  // has warmed up the browser process itself (not its cache).
  const warm = await browser.newContext();
  await (await warm.newPage()).goto('about:blank');
  await warm.close();
  const figures = {
    storefront: await measure(`${direct}/`, '#products .product', 'storefront'),
    admin: await measure(`${direct}/admin`, '#login-form', 'admin'),
  };
  fs.writeFileSync(path.join(outDir, 'load-figures.json'), JSON.stringify(figures, null, 2));

  // The admin logs in first and keeps the dashboard open on the order feed.
  const adminCtx = await browser.newContext();
  const admin = watch(await adminCtx.newPage(), 'admin');
  await admin.goto(`${direct}/admin`);
  await admin.fill('#login-email', ADMIN.email);
  await admin.fill('#login-password', ADMIN.password);
  await admin.click('#login-form button[type=submit]');
  await see(admin.locator('h1'), 'Orders');
  await see(admin.locator('#conn[data-state=connected]'));
  await admin.evaluate(() => { window.__sameDocument = true; });

  // The customer, through the proxy: keyboard first (the skip link), then registers.
  const shopCtx = await browser.newContext();
  const shop = watch(await shopCtx.newPage(), 'storefront');
  await shop.goto(`${viaProxy}/`);
  await see(shop.locator('#products .product'));
  await shop.keyboard.press('Tab');
  if (!(await shop.evaluate(() => document.activeElement?.classList.contains('skip')))) throw new Error('the first Tab does not reach the skip link');
  await shot(shop, 'storefront');
  await axeCheck(shop, 'storefront');
  await shop.click('a[href="#/register"]');
  await shop.fill('#reg-name', CUSTOMER.name);
  await shop.fill('#reg-email', CUSTOMER.email);
  await shop.fill('#reg-password', CUSTOMER.password);
  await shop.click('#register-form button[type=submit]');
  await see(shop.locator('.notice'), 'Your account is ready');
  await see(shop.locator('#logout'));

  // Search with suggestions as one types.
  await shop.click('#q');
  await shop.keyboard.type('des', { delay: 30 });
  const option = await see(shop.locator('#suggestions [role=option]'), 'Desk lamp');
  await shop.keyboard.press('ArrowDown');
  await shop.keyboard.press('Enter');
  await see(shop.locator('h1'), 'Results for “Desk lamp”');
  void option;
  await shop.click('#products a:has-text("Desk lamp")');
  await see(shop.locator('h1'), 'Desk lamp');
  await see(shop.locator('#stock'), 'In stock');
  await shot(shop, 'product');
  await axeCheck(shop, 'product page');

  // Cart with the hold's countdown, then checkout.
  await shop.fill('#qty', '2');
  await shop.click('#add-to-cart');
  await see(shop.locator('.notice'), 'Added to your cart');
  await shop.click('#cart-link');
  await see(shop.locator('h1'), 'Your cart');
  await see(shop.locator('#hold-countdown'), /\d+:\d\d/);
  await see(shop.locator('#cart-total'), '78');
  await shot(shop, 'cart');
  await axeCheck(shop, 'cart');
  await shop.click('#checkout');
  await see(shop.locator('.notice'), 'Your order is confirmed');
  const orderId = decodeURIComponent(new URL(shop.url()).hash.split('/')[2]);
  const short = orderId.replace(/-/g, '').slice(-8);  // as the pages show ids (api.js shortId)
  await see(shop.locator('#order-status'), 'confirmed');
  await shop.evaluate(() => { window.__sameDocument = true; });
  log(`order ${orderId} confirmed`);

  // The admin's feed shows it without a reload; payment moves it on in place.
  await see(admin.locator(`#order-feed li[data-order-id="${orderId}"]`), 'confirmed');
  await shop.click('button:has-text("Pay now")');
  await see(shop.locator('#order-status'), 'paid');
  await see(admin.locator(`#order-feed li[data-order-id="${orderId}"] .badge`), 'paid');
  await shot(admin, 'admin-feed');
  await axeCheck(admin, 'admin order feed');

  // The admin marks it processing; the customer's page follows without a reload.
  await admin.click(`#order-feed li[data-order-id="${orderId}"] a`);
  await see(admin.locator('h1'), `Order ${short}`);
  await see(admin.locator('#history li'), 'OrderPaid');
  await admin.click('#advance-status');
  await see(admin.locator('#advance-status'), 'shipped');
  await see(shop.locator('#order-status'), 'processing');
  await logged(shop, `Order ${short}: processing`);
  await shot(admin, 'admin-order');
  await axeCheck(admin, 'admin order detail');

  // Network cut: the customer's page loses its connection; the admin ships the order meanwhile.
  proxy.cut();
  await see(shop.locator('#conn:is([data-state=reconnecting], [data-state=offline])'));
  await admin.click('#advance-status');  // -> shipped
  await see(admin.locator('#advance-status'), 'delivered');
  await shot(shop, 'storefront-offline');
  proxy.restore();
  await see(shop.locator('#conn[data-state=connected]'), null, 60000);
  await see(shop.locator('#order-status'), 'shipped');
  await logged(shop, `Order ${short}: shipped`);
  // A later event, after the resume: once it is shown, any doubled earlier one would have been too.
  await admin.click('#advance-status');  // -> delivered
  await see(shop.locator('#order-status'), 'delivered');
  await logged(shop, `Order ${short}: delivered`);
  for (const status of ['confirmed', 'paid', 'processing', 'shipped', 'delivered']) {
    const n = await logEntries(shop, `Order ${short}: ${status}`);
    if (n !== 1) throw new Error(`the customer saw ${n} "${status}" updates for order ${short} (want exactly 1)`);
  }
  for (const [page, name] of [[shop, 'storefront'], [admin, 'admin']]) {
    if (!(await page.evaluate(() => window.__sameDocument === true))) throw new Error(`the ${name} page was reloaded`);
  }
  // Back in stock without a reload: the customer looks at the sold-out rug; the admin restocks it.
  await shop.evaluate((id) => { location.hash = `#/product/${id}`; }, ids['RUG-1']);
  await see(shop.locator('h1'), 'Wool rug');
  await see(shop.locator('#stock'), 'Sold out');
  await rest(direct, 'POST', '/api/inventory/RUG-1/adjustments', { delta: 4, reason: 'delivery' }, adminToken);
  await see(shop.locator('#stock'), '4 left');
  await logged(shop, 'Back in stock: Wool rug');

  // A broadcast from the dashboard reaches the customer as a toast.
  await admin.evaluate(() => { location.hash = '#/broadcast'; });
  await admin.fill('#b-title', 'Free shipping today');
  await admin.fill('#b-body', 'On every order.');
  await admin.click('#broadcast-form button[type=submit]');
  await see(admin.locator('.notice'), 'Sent');
  await see(shop.locator('#toasts .toast'), 'Free shipping today');

  // Someone else edits a product first: the dashboard shows the conflict instead of overwriting.
  await admin.evaluate((id) => { location.hash = `#/products/${id}`; }, ids['MUG-1']);
  await see(admin.locator('h1'), 'Stoneware mug');
  await rest(direct, 'PATCH', `/api/products/${ids['MUG-1']}`, { price: 1500 }, adminToken);  // no If-Match: last writer wins
  await admin.fill('#p-name', 'Big stoneware mug');
  await admin.click('#product-form button[type=submit]');
  await see(admin.locator('#conflict'), 'Someone else changed this product first');
  await shot(admin, 'admin-product-conflict');
  await axeCheck(admin, 'admin product conflict');
  await admin.click('#conflict button:has-text("Save mine over it")');
  await see(admin.locator('h1'), 'Big stoneware mug');

  await shop.evaluate((id) => { location.hash = `#/orders/${id}`; }, orderId);
  await see(shop.locator('#order-status'), 'delivered');
  await shot(shop, 'my-order');
  await shop.click('a[href="#/orders"]');
  await see(shop.locator(`tr[data-order-id="${orderId}"] .badge`), 'delivered');
  await shot(shop, 'my-orders');
  await axeCheck(shop, 'my orders');

  // The other admin views render (and pass axe).
  for (const [hash, ready, name] of [['#/products', '#product-table', 'admin-products'], ['#/figures', '#orders-chart svg', 'admin-figures'],
    ['#/stock', 'h1:has-text("Low stock")', 'admin-low-stock'], ['#/projections', '#projections', 'admin-projections'],
    ['#/live', 'h1:has-text("Live clients")', 'admin-live'], ['#/broadcast', '#broadcast-form', 'admin-broadcast']]) {
    await admin.evaluate((h) => { location.hash = h; }, hash);
    await see(admin.locator(ready));
    await shot(admin, name);
    await axeCheck(admin, name);
  }

  // A dry run from the dashboard: the orders model rebuilt in the node beside the
  // live one and compared key by key; its progress and end come over the admin channel.
  await admin.evaluate(() => { location.hash = '#/projections'; });
  await see(admin.locator('#projections tr[data-projection=orders]'));
  await admin.click('button[aria-label="Dry run of orders"]');
  await see(admin.locator('#dry-runs [data-dry-run=orders]'), 'equal to the live model');
  await logged(admin, 'Dry run of orders done — Equal to the live model');
  await shot(admin, 'admin-dry-run');
  await axeCheck(admin, 'admin dry run');

  // A phone-sized screen: the storefront fits without sideways scrolling.
  const phoneCtx = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });
  const phone = watch(await phoneCtx.newPage(), 'phone');
  await phone.goto(`${direct}/`);
  await see(phone.locator('#products .product'));
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 1) throw new Error(`the storefront is ${overflow}px wider than a phone's screen`);
  await shot(phone, 'storefront-phone');

  if (problems.length) throw new Error(`CSP violations or page errors:\n${problems.join('\n')}`);
  log(`screenshots in ${outDir}`);
}

const overall = setTimeout(() => { console.error('[browser] FAIL: the test ran past 240 s'); cleanup().finally(() => process.exit(1)); }, 240000);
try {
  await main();
  clearTimeout(overall);
  await cleanup();
  console.log('[browser] PASS');
  console.log('1 passed, 0 failed');
  process.exit(0);
} catch (err) {
  clearTimeout(overall);
  console.error(`[browser] FAIL: ${err.stack || err}`);
  for (const { page, name } of openPages) {
    try { await page.screenshot({ path: path.join(outDir, `failure-${name}.png`), fullPage: true, timeout: 5000 }); } catch { /* closed */ }
  }
  if (openPages.length) console.error(`[browser] screenshots of the pages as they were: ${outDir}/failure-*.png`);
  if (problems.length) console.error(problems.join('\n'));
  await cleanup();
  console.log('0 passed, 1 failed');
  process.exit(1);
}
