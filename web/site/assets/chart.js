// A small SVG chart of orders (bars) and revenue (a line) over time, from a
// list of orders: bucketed by hour, or by minute when they span under two
// hours. Plain SVG elements, no library; the numbers are in a table beside it
// for screen readers.

import { h, fill } from './ui.js';
import { money } from './api.js';

const NS = 'http://www.w3.org/2000/svg';
const svg = (tag, attrs = {}, text) => {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
};

/** Buckets `orders` (with created_at, total, status) into at most 24 time slots. */
export function buckets(orders) {
  const placed = orders.filter((o) => o.status !== 'rejected').map((o) => ({ t: Date.parse(o.created_at), total: o.total, currency: o.currency }))
    .filter((o) => !Number.isNaN(o.t));
  if (!placed.length) return { slots: [], currency: 'EUR', step: 3600000 };
  const max = Math.max(...placed.map((o) => o.t));
  const min = Math.min(...placed.map((o) => o.t));
  const step = max - min < 2 * 3600000 ? 60000 * Math.max(1, Math.ceil((max - min) / 60000 / 24)) : 3600000;
  const n = Math.min(24, Math.floor((max - min) / step) + 1);
  const start = max - (n - 1) * step;
  const slots = Array.from({ length: n }, (_, i) => ({ at: start + i * step, orders: 0, revenue: 0 }));
  const currency = placed[0].currency;
  for (const o of placed) {
    const i = Math.floor((o.t - start) / step + 1e-9);
    if (i < 0 || i >= n) continue;
    slots[i].orders += 1;
    if (o.currency === currency) slots[i].revenue += o.total;
  }
  return { slots, currency, step };
}

/** The chart (a figure with the SVG and a caption) for `orders`. */
export function chart(orders) {
  const { slots, currency, step } = buckets(orders);
  const fig = h('figure', { className: 'chart', id: 'orders-chart' });
  if (!slots.length) return fill(fig, h('p', {}, 'No orders to chart yet.'));
  const W = 600, H = 200, pad = 28;
  const maxOrders = Math.max(1, ...slots.map((s) => s.orders));
  const maxRevenue = Math.max(1, ...slots.map((s) => s.revenue));
  const bw = (W - 2 * pad) / slots.length;
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': 'chart-title' });
  root.append(svg('title', { id: 'chart-title' }, `Orders and revenue per ${step >= 3600000 ? 'hour' : 'interval'}, last ${slots.length} slots`));
  const y = (v, max) => H - pad - (v / max) * (H - 2 * pad);
  slots.forEach((s, i) => {
    const x = pad + i * bw;
    const w = Math.max(1, Math.min(48, bw - 2));
    root.append(svg('rect', { class: 'bar', x: x + (bw - w) / 2, y: y(s.orders, maxOrders), width: w, height: H - pad - y(s.orders, maxOrders) }));
  });
  const points = slots.map((s, i) => `${pad + i * bw + bw / 2},${y(s.revenue, maxRevenue)}`).join(' ');
  root.append(svg('polyline', { class: 'line', points }));
  slots.forEach((s, i) => root.append(svg('circle', { class: 'dot', cx: pad + i * bw + bw / 2, cy: y(s.revenue, maxRevenue), r: 3 })));
  const label = (t) => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  root.append(svg('text', { x: pad, y: H - 8 }, label(slots[0].at)));
  root.append(svg('text', { x: W - pad, y: H - 8, 'text-anchor': 'end' }, label(slots[slots.length - 1].at)));
  root.append(svg('text', { x: 4, y: pad - 10 }, `${maxOrders} orders · ${money(maxRevenue, currency)}`));
  const table = h('table', { className: 'visually-hidden' }, h('caption', {}, 'Orders and revenue per slot'),
    h('tbody', {}, slots.map((s) => h('tr', {}, h('th', { scope: 'row' }, label(s.at)), h('td', {}, String(s.orders)), h('td', {}, money(s.revenue, currency))))));
  return fill(fig, root, h('figcaption', { className: 'muted' }, 'Bars: orders; line: revenue.'), table);
}
