// The dashboard: one self-contained page (inline CSS, JS and SVG; nothing loaded from elsewhere, no build step). It
// reads /api/events (Server-Sent Events: a snapshot per second, recent errors as they happen) and draws the pools,
// instances, queue, request rate and latency charts, WebSockets, invokes, exit reasons and recent errors. Data is
// written with textContent only. The page's script uses no template literals, so this module can hold it in one; the
// style sheet is in dashboard-style.ts.
import { DASHBOARD_CSS } from './dashboard-style.js'

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Lambda Dispatch · router dashboard</title>
<style>
${DASHBOARD_CSS}</style>
</head>
<body>
<header>
  <h1>Lambda Dispatch router</h1>
  <span id="router-state" class="badge muted">connecting</span>
  <span id="router-ready" class="badge muted">-</span>
  <span id="connection" class="badge muted">connecting</span>
  <div class="meta">
    <span>pid <span id="pid">-</span></span>
    <span>up <span id="uptime">-</span></span>
    <span>rss <span id="rss">-</span></span>
    <span>updated <span id="updated">-</span></span>
  </div>
</header>
<main>
  <div class="tiles">
    <div class="tile"><div class="label">Requests/s</div><div class="value" data-testid="rps">-</div><div class="sub">last 10 s</div></div>
    <div class="tile"><div class="label">Requests</div><div class="value" data-testid="requests-total">-</div><div class="sub">since start</div></div>
    <div class="tile"><div class="label">p50</div><div class="value" data-testid="p50">-</div><div class="sub">last 60 s</div></div>
    <div class="tile"><div class="label">p99</div><div class="value" data-testid="p99">-</div><div class="sub">last 60 s</div></div>
    <div class="tile"><div class="label">Errors/s</div><div class="value" data-testid="errors-per-second">-</div><div class="sub">5xx and gateway</div></div>
    <div class="tile"><div class="label">Queue</div><div class="value" data-testid="queue">-</div><div class="sub"><span data-testid="running">-</span> running</div></div>
    <div class="tile"><div class="label">Instances</div><div class="value" data-testid="instances-open">-</div><div class="sub"><span data-testid="instances-starting">-</span> starting · <span data-testid="instances-desired">-</span> desired</div></div>
    <div class="tile"><div class="label">Channels</div><div class="value"><span data-testid="channels-busy">-</span> / <span data-testid="channels-idle">-</span></div><div class="sub">busy / idle</div></div>
    <div class="tile"><div class="label">Invokes/min</div><div class="value" data-testid="invokes-per-minute">-</div><div class="sub">last 60 s</div></div>
    <div class="tile"><div class="label">Invokes/request</div><div class="value" data-testid="invokes-per-request">-</div><div class="sub">since start; lower is cheaper</div></div>
    <div class="tile"><div class="label">WebSockets</div><div class="value" data-testid="websockets-open">-</div><div class="sub"><span data-testid="websocket-handshakes">-</span> handshakes since start</div></div>
  </div>
  <div class="grid2">
    <section>
      <h2>Requests per second <span class="legend"><span><i style="background:var(--accent)"></i>requests</span><span><i style="background:var(--bad)"></i>errors</span></span></h2>
      <svg id="chart-rps" class="chart" viewBox="0 0 600 180" preserveAspectRatio="none" role="img" aria-label="requests per second, last 5 minutes"></svg>
    </section>
    <section>
      <h2>Latency (log scale) <span class="legend"><span><i style="background:var(--accent)"></i>p50</span><span><i style="background:var(--accent2)"></i>p99</span></span></h2>
      <svg id="chart-latency" class="chart" viewBox="0 0 600 180" preserveAspectRatio="none" role="img" aria-label="p50 and p99 latency, last 5 minutes"></svg>
    </section>
  </div>
  <section>
    <h2>Pools</h2>
    <table id="pools"><thead><tr>
      <th>pool</th><th>function</th><th>state</th><th class="num">queue</th><th class="num">running</th>
      <th class="num">instances</th><th class="num">desired</th><th class="num">channels busy/idle</th>
      <th class="num">req/s</th><th class="num">p50</th><th class="num">p99</th><th class="num">invokes/min</th><th>breaker</th>
    </tr></thead><tbody></tbody></table>
  </section>
  <section>
    <h2>WebSockets <span class="legend">open now; the rest since start</span></h2>
    <table id="websockets"><thead><tr>
      <th>pool</th><th class="num">open</th><th>handshakes by outcome</th><th>closes by reason</th>
      <th class="num">client → app</th><th class="num">app → client</th><th class="num">cut off</th>
    </tr></thead><tbody></tbody></table>
    <div class="empty" id="websockets-empty">No WebSocket yet.</div>
  </section>
  <section>
    <h2>Instances <span class="legend" id="instance-count"></span></h2>
    <table id="instances"><thead><tr>
      <th>pool</th><th>lambda id</th><th>state</th><th class="num">age</th><th class="num">outstanding</th>
      <th class="num">busy</th><th class="num">idle</th><th class="num">websockets</th><th>channels</th>
    </tr></thead><tbody></tbody></table>
    <div class="empty" id="instances-empty">No instances yet: the first request starts one.</div>
  </section>
  <div class="grid2">
    <section>
      <h2>Requests by outcome</h2>
      <div class="kv" id="outcomes"></div>
    </section>
    <section>
      <h2>Invokes</h2>
      <div class="cols">
        <div><h3>results</h3><div class="kv" id="invoke-results"></div></div>
        <div><h3>why instances left</h3><div class="kv" id="exit-reasons"></div></div>
      </div>
    </section>
  </div>
  <section>
    <h2>Recent errors</h2>
    <table id="errors"><thead><tr><th>time</th><th>pool</th><th>code</th><th>message</th></tr></thead><tbody></tbody></table>
    <div class="empty" id="errors-empty">No errors.</div>
  </section>
</main>
<script>
(function () {
  'use strict';
  var SVG_NS = 'http://www.w3.org/2000/svg';
  var CHART_W = 600, CHART_H = 180, PAD_L = 40, PAD_R = 6, PAD_T = 8, PAD_B = 18;
  var recentErrors = [];

  function $(selector) { return document.querySelector(selector); }
  function setText(selector, text) { var el = $(selector); if (el && el.textContent !== text) el.textContent = text; }
  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }
  function fmtNum(n) { return n === null || n === undefined ? '-' : Number(n).toLocaleString('en-US'); }
  function fmtRate(n) { return n === null || n === undefined ? '-' : (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1)); }
  function fmtMs(ms) {
    if (ms === null || ms === undefined) return '-';
    if (ms < 1) return ms.toFixed(2) + ' ms';
    if (ms < 100) return ms.toFixed(1) + ' ms';
    if (ms < 1000) return Math.round(ms) + ' ms';
    return (ms / 1000).toFixed(2) + ' s';
  }
  function fmtAge(ms) {
    var s = Math.floor(ms / 1000);
    if (s < 60) return s + 's';
    var m = Math.floor(s / 60), rest = s % 60;
    if (m < 60) return m + 'm ' + (rest < 10 ? '0' : '') + rest + 's';
    return Math.floor(m / 60) + 'h ' + (m % 60) + 'm';
  }
  function fmtBytes(b) {
    if (b < 1024) return b + ' B';
    if (b < 1024 * 1024) return Math.round(b / 1024) + ' KiB';
    return (b / 1024 / 1024).toFixed(1) + ' MiB';
  }
  function badgeClass(state) {
    if (state === 'open' || state === 'serving' || state === 'closed-breaker' || state === 'live') return 'badge ok';
    if (state === 'starting' || state === 'initial' || state === 'draining' || state === 'half-open-breaker' || state === 'reconnecting') return 'badge warn';
    if (state === 'closing' || state === 'closed' || state === 'open-breaker' || state === 'no-capacity') return 'badge bad';
    return 'badge muted';
  }
  function setBadge(selector, text, state) { var b = $(selector); b.textContent = text; b.className = badgeClass(state); }

  function niceMax(value) {
    if (!(value > 0)) return 1;
    var exp = Math.pow(10, Math.floor(Math.log10(value)));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * exp >= value) return steps[i] * exp;
    return 10 * exp;
  }
  function svgNode(tag, attrs) {
    var node = document.createElementNS(SVG_NS, tag);
    for (var key in attrs) node.setAttribute(key, attrs[key]);
    return node;
  }
  // A linear scale from 0 to a round maximum, or (log) decades around the values: latency spans ms to seconds.
  function scaleFor(series, log) {
    var min = Infinity, max = 0;
    series.forEach(function (s) {
      s.values.forEach(function (v) { if (v !== null && v > 0) { if (v > max) max = v; if (v < min) min = v; } });
    });
    if (!log) {
      var top = niceMax(max);
      return { ticks: [0, top / 4, top / 2, (3 * top) / 4, top], at: function (v) { return v / top; } };
    }
    if (max === 0) { min = 1; max = 100; }
    var lo = Math.floor(Math.log10(min)), hi = Math.max(lo + 1, Math.ceil(Math.log10(max)));
    var ticks = [];
    for (var d = lo; d <= hi; d++) ticks.push(Math.pow(10, d));
    return { ticks: ticks, at: function (v) { return v <= 0 ? 0 : Math.max(0, (Math.log10(v) - lo) / (hi - lo)); } };
  }
  // Draws series (arrays of numbers or nulls, one per second) into an SVG: grid, y labels, one path per series, and
  // an area under the series marked "fill".
  function drawChart(svg, series, format, log) {
    var count = 0;
    series.forEach(function (s) { count = Math.max(count, s.values.length); });
    var scale = scaleFor(series, log);
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var plotW = CHART_W - PAD_L - PAD_R, plotH = CHART_H - PAD_T - PAD_B;
    scale.ticks.forEach(function (tick) {
      var gy = PAD_T + plotH - plotH * scale.at(tick);
      svg.appendChild(svgNode('line', { x1: PAD_L, x2: CHART_W - PAD_R, y1: gy, y2: gy, class: 'grid' }));
      var label = svgNode('text', { x: PAD_L - 4, y: gy + 3, 'text-anchor': 'end' });
      label.textContent = format(tick);
      svg.appendChild(label);
    });
    var ticks = [[0, '-5m'], [0.2, '-4m'], [0.4, '-3m'], [0.6, '-2m'], [0.8, '-1m'], [1, 'now']];
    ticks.forEach(function (t) {
      var tx = svgNode('text', { x: PAD_L + plotW * t[0], y: CHART_H - 4, 'text-anchor': t[0] === 0 ? 'start' : t[0] === 1 ? 'end' : 'middle' });
      tx.textContent = t[1];
      svg.appendChild(tx);
    });
    var baseY = (PAD_T + plotH).toFixed(1);
    series.forEach(function (s) {
      var d = '', area = '', pen = false, firstX = null, lastX = null;
      for (var i = 0; i < s.values.length; i++) {
        var v = s.values[i];
        if (v === null) { pen = false; continue; }
        var x = (PAD_L + (count <= 1 ? plotW : (plotW * i) / (count - 1))).toFixed(1);
        var y = (PAD_T + plotH - plotH * scale.at(v)).toFixed(1);
        d += (pen ? 'L' : 'M') + x + ' ' + y;
        if (firstX === null) firstX = x;
        lastX = x;
        pen = true;
      }
      if (s.fill && firstX !== null) {
        area = 'M' + firstX + ' ' + baseY + d.replace(/^M/, 'L') + 'L' + lastX + ' ' + baseY + 'Z';
        svg.appendChild(svgNode('path', { d: area, fill: s.color, 'fill-opacity': 0.15, stroke: 'none' }));
      }
      var path = svgNode('path', { d: d, fill: 'none', stroke: s.color, 'stroke-width': 1.8, 'stroke-linejoin': 'round', 'vector-effect': 'non-scaling-stroke' });
      path.setAttribute('data-series', s.name);
      svg.appendChild(path);
    });
  }

  // What each ExitReason means for the person watching (docs/extension.md, "How an invoke ends").
  var EXIT_REASON_TEXT = {
    SelfLastActive: 'idle for the grace period: left to stop paying for it',
    SelfDeadline: 'near the function timeout, or shut down',
    RouterGoAway: 'the router scaled it down or replaced it',
    SelfInitOnly: 'pre-warm invoke',
    SelfStaleRequest: 'invoke arrived too late to be useful',
    RouterUnreachable: 'could not connect back to the router',
    RouterConnectionError: 'lost its connection to the router repeatedly',
    AppConnectionError: 'the app stopped accepting connections',
    AppConnectionClosed: 'the app closed connections',
    RouterLambdaInvokeInvalid: 'the invoke payload was invalid',
    RouterStatus5xx: 'the router answered 5xx',
    RouterStatus4xx: 'the router answered 4xx',
    RouterStatusOther: 'the router answered an unexpected status',
    ChannelErrorOther: 'a channel failed'
  };
  function fillKv(container, entries, descriptions) {
    while (container.firstChild) container.removeChild(container.firstChild);
    if (entries.length === 0) { container.appendChild(el('div', 'none', 'empty')); container.appendChild(el('div', '')); return; }
    entries.forEach(function (entry) {
      var key = el('div', entry[0], 'mono');
      var text = descriptions && descriptions[entry[0]];
      if (text) { key.title = text; key.appendChild(el('div', text, 'sub')); }
      container.appendChild(key);
      container.appendChild(el('div', fmtNum(entry[1])));
    });
  }
  function sumInto(target, source) { for (var key in source) target[key] = (target[key] || 0) + source[key]; }
  function sorted(record) { return Object.keys(record).map(function (k) { return [k, record[k]]; }).sort(function (a, b) { return b[1] - a[1]; }); }
  function inline(record) { var parts = sorted(record).map(function (e) { return e[0] + ' ' + fmtNum(e[1]); }); return parts.length === 0 ? '-' : parts.join(' · '); }

  // One row per pool that has seen a handshake (issue 18): open now, the counters since start.
  function renderWebSockets(pools) {
    var body = $('#websockets tbody'), open = 0, handshakes = 0;
    while (body.firstChild) body.removeChild(body.firstChild);
    pools.forEach(function (p) {
      var w = p.webSockets;
      if (!w) return;
      var total = 0;
      for (var outcome in w.handshakes) total += w.handshakes[outcome];
      open += w.open; handshakes += total;
      if (total === 0 && w.open === 0) return;
      var tr = el('tr');
      tr.setAttribute('data-pool', p.poolId);
      tr.appendChild(el('td', p.poolId, 'mono'));
      [[fmtNum(w.open), 'num', 'open'], [inline(w.handshakes), 'msg', 'handshakes'], [inline(w.closes), 'msg', 'closes'],
        [fmtBytes(w.bytes.clientToApp), 'num', 'client-to-app'], [fmtBytes(w.bytes.appToClient), 'num', 'app-to-client'],
        [fmtNum(w.closeTimeouts), 'num', 'cut-off']].forEach(function (cell) {
        var td = el('td', cell[0], cell[1]); td.setAttribute('data-field', cell[2]); tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    $('#websockets-empty').style.display = body.firstChild ? 'none' : '';
    setText('[data-testid=websockets-open]', fmtNum(open));
    setText('[data-testid=websocket-handshakes]', fmtNum(handshakes));
  }

  function renderErrors() {
    var body = $('#errors tbody');
    while (body.firstChild) body.removeChild(body.firstChild);
    var newest = recentErrors.slice(-20).reverse();
    newest.forEach(function (e) {
      var tr = el('tr');
      tr.appendChild(el('td', new Date(e.time).toLocaleTimeString(), 'mono'));
      tr.appendChild(el('td', e.poolId || '-'));
      tr.appendChild(el('td', e.code, 'mono'));
      tr.appendChild(el('td', e.message, 'msg'));
      body.appendChild(tr);
    });
    $('#errors-empty').style.display = newest.length === 0 ? '' : 'none';
  }

  function render(s) {
    var t = s.traffic;
    setBadge('#router-state', s.router.state, s.router.state);
    setBadge('#router-ready', s.router.ready ? 'ready' : 'not ready', s.router.ready ? 'serving' : 'closing');
    setText('#pid', String(s.router.pid));
    setText('#uptime', fmtAge(s.router.uptimeS * 1000));
    setText('#rss', fmtBytes(s.router.rssBytes));
    setText('#updated', new Date(s.generatedAt).toLocaleTimeString());
    setText('[data-testid=rps]', fmtRate(t.requestsPerSecond));
    setText('[data-testid=requests-total]', fmtNum(t.requestsTotal));
    setText('[data-testid=p50]', fmtMs(t.p50Ms));
    setText('[data-testid=p99]', fmtMs(t.p99Ms));
    setText('[data-testid=errors-per-second]', fmtRate(t.errorsPerSecond));
    setText('[data-testid=invokes-per-minute]', fmtNum(t.invokesPerMinute));

    var queue = 0, running = 0, open = 0, starting = 0, desired = 0, busy = 0, idle = 0;
    var outcomes = {}, results = {}, reasons = {};
    var poolsBody = $('#pools tbody'), instancesBody = $('#instances tbody');
    while (poolsBody.firstChild) poolsBody.removeChild(poolsBody.firstChild);
    while (instancesBody.firstChild) instancesBody.removeChild(instancesBody.firstChild);
    var instanceCount = 0;
    s.pools.forEach(function (p) {
      queue += p.queueLength; running += p.runningRequests; desired += p.desiredInstances;
      open += p.instancesByState.open; starting += p.instancesByState.initial + p.instancesByState.starting;
      busy += p.channels.busy; idle += p.channels.idle;
      sumInto(outcomes, p.outcomes); sumInto(results, p.invokes.results); sumInto(reasons, p.invokes.exitReasons);
      var tr = el('tr');
      tr.appendChild(el('td', p.poolId, 'mono'));
      tr.appendChild(el('td', p.functionName, 'mono'));
      var stateCell = el('td'); stateCell.appendChild(el('span', p.state, badgeClass(p.state))); tr.appendChild(stateCell);
      tr.appendChild(el('td', fmtNum(p.queueLength), 'num'));
      tr.appendChild(el('td', fmtNum(p.runningRequests), 'num'));
      tr.appendChild(el('td', p.instancesByState.open + ' open' + (p.instancesByState.starting ? ' +' + p.instancesByState.starting : ''), 'num'));
      tr.appendChild(el('td', fmtNum(p.desiredInstances), 'num'));
      tr.appendChild(el('td', p.channels.busy + ' / ' + p.channels.idle, 'num'));
      tr.appendChild(el('td', fmtRate(p.traffic.requestsPerSecond), 'num'));
      tr.appendChild(el('td', fmtMs(p.traffic.p50Ms), 'num'));
      tr.appendChild(el('td', fmtMs(p.traffic.p99Ms), 'num'));
      tr.appendChild(el('td', fmtNum(p.traffic.invokesPerMinute), 'num'));
      var breaker = el('td'); breaker.appendChild(el('span', p.breakerState, badgeClass(p.breakerState + '-breaker'))); tr.appendChild(breaker);
      poolsBody.appendChild(tr);
      p.instances.forEach(function (i) {
        instanceCount++;
        var row = el('tr');
        row.setAttribute('data-lambda-id', i.lambdaId);
        row.appendChild(el('td', p.poolId, 'mono'));
        var id = el('td', i.lambdaId.slice(0, 8), 'mono'); id.title = i.lambdaId; row.appendChild(id);
        var st = el('td'); st.appendChild(el('span', i.state, badgeClass(i.state))); row.appendChild(st);
        row.appendChild(el('td', fmtAge(i.ageMs), 'num'));
        row.appendChild(el('td', fmtNum(i.outstanding), 'num'));
        row.appendChild(el('td', fmtNum(i.busyChannels), 'num'));
        row.appendChild(el('td', fmtNum(i.idleChannels), 'num'));
        row.appendChild(el('td', fmtNum(i.webSockets), 'num'));
        var total = i.busyChannels + i.idleChannels;
        var barCell = el('td'), bar = el('span', null, 'bar'), fill = el('span');
        fill.style.width = (total === 0 ? 0 : Math.round((100 * i.busyChannels) / total)) + '%';
        bar.appendChild(fill); barCell.appendChild(bar); row.appendChild(barCell);
        instancesBody.appendChild(row);
      });
    });
    $('#instances-empty').style.display = instanceCount === 0 ? '' : 'none';
    setText('#instances-empty', t.requestsTotal === 0
      ? 'No instances yet: the first request starts one.'
      : 'No instances running: idle ones leave to save cost (see why instances left); the next request starts one.');
    var invokesTotal = 0;
    for (var result in results) invokesTotal += results[result];
    setText('[data-testid=invokes-per-request]', t.requestsTotal === 0 ? '-' : String(Math.round((100 * invokesTotal) / t.requestsTotal) / 100));
    setText('#instance-count', instanceCount === 0 ? '' : instanceCount + ' live');
    setText('[data-testid=queue]', fmtNum(queue));
    setText('[data-testid=running]', fmtNum(running));
    setText('[data-testid=instances-open]', fmtNum(open));
    setText('[data-testid=instances-starting]', fmtNum(starting));
    setText('[data-testid=instances-desired]', fmtNum(desired));
    setText('[data-testid=channels-busy]', fmtNum(busy));
    setText('[data-testid=channels-idle]', fmtNum(idle));
    renderWebSockets(s.pools);
    fillKv($('#outcomes'), sorted(outcomes));
    fillKv($('#invoke-results'), sorted(results));
    fillKv($('#exit-reasons'), sorted(reasons), EXIT_REASON_TEXT);

    drawChart($('#chart-rps'), [
      { name: 'requests', color: '#4aa8ff', values: s.series.requests, fill: true },
      { name: 'errors', color: '#f85149', values: s.series.errors }
    ], function (v) { return v >= 100 ? String(Math.round(v)) : String(Math.round(v * 10) / 10); }, false);
    drawChart($('#chart-latency'), [
      { name: 'p50', color: '#4aa8ff', values: s.series.p50Ms },
      { name: 'p99', color: '#ffb454', values: s.series.p99Ms }
    ], function (v) { return v >= 1000 ? v / 1000 + ' s' : v >= 1 ? v + ' ms' : v + ' ms'; }, true);

    recentErrors = s.recentErrors.slice();
    renderErrors();
  }

  function connect() {
    var source = new EventSource('/api/events');
    source.addEventListener('open', function () { setBadge('#connection', 'live', 'live'); });
    source.addEventListener('error', function () { setBadge('#connection', 'reconnecting', 'reconnecting'); });
    source.addEventListener('snapshot', function (event) {
      try { render(JSON.parse(event.data)); } catch (err) { console.error('dashboard render failed', err); }
    });
    source.addEventListener('recent-error', function (event) {
      recentErrors.push(JSON.parse(event.data));
      if (recentErrors.length > 50) recentErrors.shift();
      renderErrors();
    });
  }
  connect();
})();
</script>
</body>
</html>
`
