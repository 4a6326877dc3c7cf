// The realtime client (docs/API.md, "Realtime"): one WebSocket to /ws,
// authenticated through Sec-WebSocket-Protocol (never the URL), subscribed to
// the channels a view wants, reconnecting with back-off. It keeps the highest
// position seen per channel and passes it back as `from` when it subscribes
// again, so the server replays what happened while the connection was down:
// nothing is missed. A message at or below that position is dropped, so
// nothing is delivered twice.

const MAX_BACKOFF_MS = 10000;

export class Live {
  /**
   * handlers: onmessage(msg) for event and notification messages (each once),
   * onstatus(state, detail) with connected | reconnecting | offline,
   * onsubscribed(channel, resumed) after each (re)subscription (views reload
   * by REST there), onexpired() when the server ends the session (4401),
   * oncheckauth() when connecting with the token keeps failing.
   */
  constructor(handlers = {}) {
    this.h = handlers;
    this.token = null;
    this.ws = null;
    this.wanted = new Set();
    this.last = new Map();      // channel -> highest position delivered
    this.atLast = new Map();    // channel -> the types delivered at that position
    this.baseline = null;       // the first welcome's position: `from` for a channel not seen yet
    this.attempt = 0;
    this.nextId = 1;
    this.timer = null;
    this.watchdog = null;
    this.stopped = true;
    this.state = 'offline';
    // The browser knows when the network comes back: try at once instead of
    // waiting out the back-off.
    window.addEventListener('online', () => {
      if (!this.stopped && !this.ws) { clearTimeout(this.timer); this.connect(); }
    });
  }

  /** Starts (or restarts with a new token: null for anonymous). */
  start(token) {
    this.token = token || null;
    this.stopped = false;
    this.restart();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.teardown();
    this.status('offline', 'stopped');
  }

  /** Adds channels; subscribes now when connected. */
  subscribe(...channels) {
    const fresh = channels.filter((c) => !this.wanted.has(c));
    fresh.forEach((c) => this.wanted.add(c));
    if (fresh.length && this.ready) this.sendSubscribe(fresh);
  }

  /** Drops channels (their positions too: a later subscribe starts from now). */
  unsubscribe(...channels) {
    const gone = channels.filter((c) => this.wanted.delete(c));
    gone.forEach((c) => { this.last.delete(c); this.atLast.delete(c); });
    if (gone.length && this.ready) this.send({ type: 'unsubscribe', id: this.nextId++, channels: gone });
  }

  /** The highest position delivered on `channel` (or the baseline). */
  position(channel) { return this.last.get(channel) ?? this.baseline; }

  // --- internals ---

  status(state, detail = '') {
    this.state = state;
    this.h.onstatus?.(state, detail);
  }

  restart() {
    clearTimeout(this.timer);
    this.teardown();
    this.connect();
  }

  teardown() {
    clearInterval(this.watchdog);
    this.ready = false;
    if (this.ws) {
      this.ws.onopen = this.ws.onmessage = this.ws.onclose = this.ws.onerror = null;
      try { this.ws.close(1000); } catch { /* already closed */ }
      this.ws = null;
    }
  }

  connect() {
    if (this.stopped || this.ws) return;
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
    const protocols = ['agora.v1'];
    if (this.token) protocols.push(`bearer.${this.token}`);
    let ws;
    try {
      ws = new WebSocket(url, protocols);
    } catch (err) {
      this.scheduleReconnect(String(err));
      return;
    }
    this.ws = ws;
    this.lastHeard = Date.now();
    ws.onmessage = (e) => this.receive(e.data);
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.ready = false;
      clearInterval(this.watchdog);
      if (e.code === 4401) {
        // The token expired or was revoked: go on anonymously; the page asks
        // for a login (and may have restarted the connection already).
        this.token = null;
        this.h.onexpired?.(e.reason);
        if (this.ws) return;
      }
      this.scheduleReconnect(e.reason || `closed (${e.code})`);
    };
  }

  scheduleReconnect(why) {
    if (this.stopped) return;
    this.attempt += 1;
    // A refused token fails the handshake like a dead network does (browsers
    // do not show the 401): after a few failures the page checks its login.
    if (this.token && this.attempt === 3) this.h.oncheckauth?.();
    const offline = navigator.onLine === false || this.attempt > 5;
    this.status(offline ? 'offline' : 'reconnecting', why);
    const base = Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(this.attempt, 6));
    const delay = base / 2 + Math.random() * base / 2;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
  }

  send(msg) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  sendSubscribe(channels) {
    const list = channels.map((name) => {
      const from = this.position(name);
      return from === null || from === undefined ? { name } : { name, from };
    });
    this.send({ type: 'subscribe', id: this.nextId++, channels: list });
  }

  receive(raw) {
    this.lastHeard = Date.now();
    let msg;
    try { msg = JSON.parse(raw); } catch { return; }
    switch (msg.type) {
      case 'welcome': {
        if (this.baseline === null) this.baseline = Number(msg.position) || 0;
        this.ready = true;
        this.attempt = 0;
        this.status('connected', `connection ${msg.connection_id || ''}`);
        this.startWatchdog(Number(msg.heartbeat_ms) || 15000);
        if (this.wanted.size) this.sendSubscribe([...this.wanted]);
        break;
      }
      case 'subscribed':
        this.h.onsubscribed?.(msg.channel, this.last.has(msg.channel));
        break;
      case 'event':
      case 'notification': {
        const ch = msg.channel;
        const pos = Number(msg.position);
        if (!this.wanted.has(ch)) return;
        // A rebuild's progress is not in the log: several share the feed's
        // position, none is replayed, so none is taken for a duplicate.
        if (msg.kind === 'rebuild_progress') { this.h.onmessage?.(msg); break; }
        // One log position can carry two messages on a channel (the admin
        // channel's StockAdjusted event and its low_stock alert), so a
        // message is known by its position and its type.
        const what = msg.event || msg.kind || msg.type;
        const seen = this.last.get(ch);
        if (seen !== undefined && (pos < seen || (pos === seen && this.atLast.get(ch)?.has(what)))) return;  // delivered already
        if (pos !== seen) this.atLast.set(ch, new Set());
        this.atLast.get(ch).add(what);
        this.last.set(ch, pos);
        this.h.onmessage?.(msg);
        break;
      }
      case 'error':
        if (msg.code === 'resume_too_old' && msg.channel) {
          // Too far behind to replay: start from now and let the view reload by REST.
          this.last.delete(msg.channel);
          this.atLast.delete(msg.channel);
          this.send({ type: 'subscribe', id: this.nextId++, channels: [{ name: msg.channel }] });
          this.h.onsubscribed?.(msg.channel, false);
        } else {
          this.h.onerror?.(msg);
        }
        break;
      default:
        break;  // pong, unsubscribed
    }
  }

  // The server pings at the protocol level, which browsers answer without
  // telling the page; a connection that went silent (a dead network path)
  // is noticed here: ping it, and give up on it after two heartbeats.
  startWatchdog(heartbeatMs) {
    clearInterval(this.watchdog);
    this.watchdog = setInterval(() => {
      const silent = Date.now() - this.lastHeard;
      if (silent > 2 * heartbeatMs + 2000) {
        const ws = this.ws;
        this.teardown();
        if (ws) this.scheduleReconnect('no answer from the server');
      } else if (silent > heartbeatMs / 2) {
        this.send({ type: 'ping', id: this.nextId++ });
      }
    }, Math.max(1000, heartbeatMs / 2));
  }
}
