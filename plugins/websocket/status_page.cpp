#include "status_page.h"

#include <string>

#include "inline_page_policy.h"

namespace spread::plugins::websocket {

namespace {

// Rates are differences of two snapshots' counters over their clockMs; a counter that went
// down means the server restarted, and that interval is skipped rather than drawn negative.
// Latency quantiles are interpolated within a bucket as Prometheus' histogram_quantile does.
constexpr std::string_view kPage = R"PAGE(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Spread status</title>
<style>
  :root { font-family: system-ui, sans-serif; color: #1d2430; background: #f4f6f9; }
  body { margin: 0; }
  header { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1rem; padding: .6rem 1rem;
           background: #1d2430; color: #fff; }
  header h1 { font-size: 1.1rem; margin: 0; flex: 1; }
  #state { font-size: .85rem; padding: .15rem .6rem; border-radius: 1rem; background: #8a6d00; }
  #state[data-state="live"] { background: #1f7a3a; }
  #state[data-state="failing"] { background: #a12a2a; }
  main { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 26rem), 1fr)); gap: .8rem;
         padding: .8rem; }
  section { background: #fff; border-radius: .4rem; padding: .6rem .8rem; box-shadow: 0 1px 2px #0002;
            min-width: 0; }
  h2 { font-size: .95rem; margin: 0 0 .3rem; display: flex; justify-content: space-between; gap: .5rem; }
  h2 .figure { font-variant-numeric: tabular-nums; font-weight: normal; color: #4a5568; }
  canvas { width: 100%; height: 9rem; display: block; }
  .legend { list-style: none; margin: .3rem 0 0; padding: 0; font-size: .8rem; display: flex; flex-wrap: wrap;
            gap: .2rem .9rem; }
  .legend li::before { content: ""; display: inline-block; width: .7rem; height: .7rem; margin-right: .3rem;
                       border-radius: .15rem; background: var(--swatch); vertical-align: -.05rem; }
  .quiet { color: #6b7280; font-size: .8rem; margin: .3rem 0 0; }
  table { width: 100%; border-collapse: collapse; font-size: .85rem; }
  th, td { text-align: left; padding: .2rem .3rem; border-bottom: 1px solid #e3e8ef; }
  td.count, th.count { text-align: right; font-variant-numeric: tabular-nums; }
  td.topic { overflow-wrap: anywhere; }
</style>
</head>
<body>
<header>
  <h1>Spread status</h1>
  <span id="state" data-state="starting">connecting…</span>
</header>
<main>
  <section>
    <h2>Connections <span class="figure" id="connections">–</span></h2>
    <canvas id="connections-plot"></canvas>
    <ul class="legend" id="connections-legend"></ul>
  </section>
  <section>
    <h2>Messages per second <span class="figure"><span id="published-rate">–</span> in,
      <span id="delivered-rate">–</span> out</span></h2>
    <canvas id="messages-plot"></canvas>
    <ul class="legend" id="messages-legend"></ul>
  </section>
  <section>
    <h2>Drops and refusals per second <span class="figure" id="refusals-rate">–</span></h2>
    <canvas id="refusals-plot"></canvas>
    <ul class="legend" id="refusals-legend"></ul>
    <p class="quiet" id="refusals-note"></p>
  </section>
  <section>
    <h2>Publish-to-write latency <span class="figure" id="latency">–</span></h2>
    <canvas id="latency-plot"></canvas>
    <ul class="legend" id="latency-legend"></ul>
  </section>
  <section>
    <h2>Latency histogram (ms), last minutes <span class="figure" id="latency-count">–</span></h2>
    <canvas id="histogram-plot"></canvas>
  </section>
  <section>
    <h2>Busiest topics <span class="figure" id="topic-count">–</span></h2>
    <table>
      <thead><tr><th>Topic</th><th class="count">Subscribers</th></tr></thead>
      <tbody id="topics"></tbody>
    </table>
  </section>
</main>
<script>
(() => {
  'use strict';
  const POLL_MS = 1000;
  const FETCH_TIMEOUT_MS = 5000;
  const SAMPLES_MAX = 300;
  const COLORS = ['#2f6fdf', '#1f9a55', '#d9822b', '#a12a2a', '#7b4fc9', '#0f8a8a', '#b8860b', '#c2185b',
                  '#546e7a', '#6d8b00'];
  const samples = [];
  const byId = (id) => document.getElementById(id);

  function setState(state, text) {
    byId('state').dataset.state = state;
    byId('state').textContent = text;
  }

  function format(value) {
    if (value === null || !Number.isFinite(value)) return '–';
    if (value >= 100) return value.toFixed(0);
    return String(Number(value.toFixed(value >= 10 ? 1 : 2)));
  }

  // The smallest 1, 2 or 5 times a power of ten at or above `value`: a plot's top line.
  function niceMax(value) {
    if (!(value > 0)) return 1;
    const power = 10 ** Math.floor(Math.log10(value));
    return [1, 2, 5, 10].map((step) => step * power).find((top) => top >= value);
  }

  function formatSeconds(seconds) {
    if (seconds === null) return '–';
    return seconds >= 1 ? format(seconds) + ' s' : format(seconds * 1000) + ' ms';
  }

  // Per-second rate of `read(sample)` between two snapshots, or null across a restart.
  function rate(before, after, read) {
    const seconds = (after.clockMs - before.clockMs) / 1000;
    const delta = read(after) - read(before);
    return seconds > 0 && delta >= 0 ? delta / seconds : null;
  }

  // The q-quantile of the deliveries counted between two snapshots, in seconds; null if none.
  function quantile(q, before, after) {
    const bounds = after.latency.boundsSeconds;
    const counts = after.latency.cumulative.map((count, i) => count - before.latency.cumulative[i]);
    const total = counts[counts.length - 1];
    if (!(total > 0)) return null;
    const rank = q * total;
    let i = counts.findIndex((count) => count >= rank);
    if (i >= bounds.length) return bounds[bounds.length - 1];
    const lower = i === 0 ? 0 : bounds[i - 1];
    const below = i === 0 ? 0 : counts[i - 1];
    const inBucket = counts[i] - below;
    return inBucket > 0 ? lower + (bounds[i] - lower) * (rank - below) / inBucket : bounds[i];
  }

  // One series per call of `read` over consecutive pairs of samples.
  function pairSeries(read) {
    const points = [];
    for (let i = 1; i < samples.length; ++i) {
      points.push({ t: samples[i].clockMs, v: read(samples[i - 1], samples[i]) });
    }
    return points;
  }

  function showLegend(id, series) {
    const legend = byId(id);
    legend.replaceChildren(...series.map((line) => {
      const item = document.createElement('li');
      item.style.setProperty('--swatch', line.color);
      item.textContent = line.label;
      return item;
    }));
  }

  function sizeCanvas(canvas) {
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(canvas.clientWidth * ratio));
    const height = Math.max(1, Math.round(canvas.clientHeight * ratio));
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    const context = canvas.getContext('2d');
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, canvas.clientWidth, canvas.clientHeight);
    context.font = '11px system-ui, sans-serif';
    return { context, width: canvas.clientWidth, height: canvas.clientHeight };
  }

  // Lines over the time the samples span; a null value breaks the line.
  function plotLines(id, series, formatValue) {
    const { context, width, height } = sizeCanvas(byId(id));
    const left = 44, bottom = height - 16, top = 6, right = width - 4;
    const last = samples.length ? samples[samples.length - 1].clockMs : 0;
    const first = Math.min(samples.length ? samples[0].clockMs : 0, last - 60000);
    let max = 0;
    for (const line of series) for (const point of line.points) if (point.v !== null) max = Math.max(max, point.v);
    max = niceMax(max);
    context.strokeStyle = '#d5dbe3';
    context.fillStyle = '#6b7280';
    context.lineWidth = 1;
    for (const fraction of [0, 0.5, 1]) {
      const y = bottom - (bottom - top) * fraction;
      context.beginPath();
      context.moveTo(left, y);
      context.lineTo(right, y);
      context.stroke();
      context.fillText(formatValue(max * fraction), 2, y + 4);
    }
    const minutes = Math.round((last - first) / 6000) / 10;
    context.fillText(minutes + ' min ago', left, height - 3);
    context.fillText('now', right - 20, height - 3);
    const x = (t) => left + (right - left) * (last === first ? 1 : (t - first) / (last - first));
    const y = (v) => bottom - (bottom - top) * (v / max);
    for (const line of series) {
      context.lineWidth = line.width || 1.5;
      context.strokeStyle = line.color;
      context.beginPath();
      let drawing = false;
      for (const point of line.points) {
        if (point.v === null) { drawing = false; continue; }
        if (drawing) context.lineTo(x(point.t), y(point.v));
        else context.moveTo(x(point.t), y(point.v));
        drawing = true;
      }
      context.stroke();
    }
  }

  // Deliveries per latency bucket over the samples kept, as bars.
  function plotHistogram() {
    const { context, width, height } = sizeCanvas(byId('histogram-plot'));
    if (samples.length === 0) return;
    const oldest = samples[0].latency, newest = samples[samples.length - 1].latency;
    const cumulative = newest.cumulative.map((count, i) => Math.max(0, count - oldest.cumulative[i]));
    const counts = cumulative.map((count, i) => (i === 0 ? count : count - cumulative[i - 1]));
    const labels = newest.boundsSeconds.map((bound) => '≤' + Number((bound * 1000).toPrecision(3))).concat(['more']);
    byId('latency-count').textContent = cumulative[cumulative.length - 1] + ' deliveries';
    const max = Math.max(1, ...counts);
    const bottom = height - 34, top = 14, slot = width / counts.length;
    counts.forEach((count, i) => {
      const barHeight = (bottom - top) * count / max;
      context.fillStyle = i === counts.length - 1 ? '#a12a2a' : '#2f6fdf';
      context.fillRect(i * slot + 2, bottom - barHeight, slot - 4, barHeight);
      context.fillStyle = '#1d2430';
      if (count > 0) context.fillText(String(count), i * slot + 2, bottom - barHeight - 2);
      context.save();
      context.translate(i * slot + 2, bottom + 4);
      context.rotate(Math.PI / 6);
      context.fillStyle = '#6b7280';
      context.fillText(labels[i], 0, 8);
      context.restore();
    });
  }

  function showTopics(topics) {
    byId('topic-count').textContent = topics.count + (topics.count === 1 ? ' topic' : ' topics');
    byId('topics').replaceChildren(...topics.busiest.map((topic) => {
      const row = document.createElement('tr');
      const name = document.createElement('td');
      name.className = 'topic';
      name.textContent = topic.topic;
      const count = document.createElement('td');
      count.className = 'count';
      count.textContent = String(topic.subscribers);
      row.append(name, count);
      return row;
    }));
  }

  function draw() {
    const latest = samples[samples.length - 1];
    const previous = samples.length > 1 ? samples[samples.length - 2] : null;
    byId('connections').textContent = latest.connections.websocket + ' WebSocket, ' +
      latest.connections.clients + ' TCP';
    const gauge = (read) => samples.map((s) => ({ t: s.clockMs, v: read(s) }));
    const connections = [
      { label: 'WebSocket sessions', color: COLORS[0], points: gauge((s) => s.connections.websocket) },
      { label: 'TCP connections', color: COLORS[2], points: gauge((s) => s.connections.clients) },
    ];
    plotLines('connections-plot', connections, format);
    showLegend('connections-legend', connections);

    const published = (s) => s.messages.published;
    const delivered = (s) => s.messages.delivered;
    const messages = [
      // Wider, and drawn first: with one subscriber per message the two lines coincide.
      { label: 'published/s', color: COLORS[0], width: 4, points: pairSeries((a, b) => rate(a, b, published)) },
      { label: 'delivered/s', color: COLORS[1], points: pairSeries((a, b) => rate(a, b, delivered)) },
    ];
    plotLines('messages-plot', messages, format);
    showLegend('messages-legend', messages);
    const publishedRate = previous ? rate(previous, latest, published) : null;
    byId('published-rate').textContent = format(publishedRate);
    byId('delivered-rate').textContent = format(previous ? rate(previous, latest, delivered) : null);
    document.body.dataset.publishedPerSecond = publishedRate === null ? '' : String(publishedRate);

    // Only the reasons seen in the window get a line; the rest would be flat at zero.
    const reasons = [];
    const oldest = samples[0];
    for (const [reason, count] of Object.entries(latest.drops)) {
      if (count > oldest.drops[reason]) reasons.push({ name: reason + ' (drop)', read: (s) => s.drops[reason] });
    }
    for (const [reason, count] of Object.entries(latest.refusals)) {
      if (count > oldest.refusals[reason]) reasons.push({ name: reason, read: (s) => s.refusals[reason] });
    }
    const refusals = reasons.map((reason, i) => ({
      label: reason.name, color: COLORS[(i + 2) % COLORS.length], points: pairSeries((a, b) => rate(a, b, reason.read)),
    }));
    plotLines('refusals-plot', refusals, format);
    showLegend('refusals-legend', refusals);
    const total = (s) => Object.values(s.drops).concat(Object.values(s.refusals)).reduce((sum, n) => sum + n, 0);
    byId('refusals-rate').textContent = format(previous ? rate(previous, latest, total) : null) + '/s';
    byId('refusals-note').textContent = reasons.length ? '' : 'No drops or refusals in this window.';

    const latency = [
      { label: 'p50', color: COLORS[1], points: pairSeries((a, b) => quantile(0.5, a, b)) },
      { label: 'p99', color: COLORS[3], points: pairSeries((a, b) => quantile(0.99, a, b)) },
    ];
    plotLines('latency-plot', latency, formatSeconds);
    showLegend('latency-legend', latency);
    byId('latency').textContent = previous ? 'p50 ' + formatSeconds(quantile(0.5, previous, latest)) +
      ', p99 ' + formatSeconds(quantile(0.99, previous, latest)) : '–';
    plotHistogram();
    showTopics(latest.topics);
    document.body.dataset.samples = String(samples.length);
    document.body.dataset.lastClockMs = String(latest.clockMs);
  }

  async function poll() {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), FETCH_TIMEOUT_MS);
    try {
      const response = await fetch('status.json', { cache: 'no-store', signal: abort.signal });
      if (!response.ok) throw new Error('status.json answered ' + response.status);
      const sample = await response.json();
      const last = samples[samples.length - 1];
      if (last && sample.clockMs < last.clockMs) samples.length = 0;  // another server, or a restart
      samples.push(sample);
      if (samples.length > SAMPLES_MAX) samples.shift();
      draw();
      setState('live', 'live, ' + new Date().toLocaleTimeString());
    } catch (error) {
      setState('failing', 'cannot read status.json: ' + error.message);
    } finally {
      clearTimeout(timer);
      setTimeout(poll, POLL_MS);
    }
  }

  window.addEventListener('resize', () => { if (samples.length) draw(); });
  poll();
})();
</script>
</body>
</html>
)PAGE";

}  // namespace

std::string_view statusPage() { return kPage; }

const std::string& statusPageSecurityPolicy() {
  static const std::string policy = "default-src 'none'; " + inlinePageSources(kPage) +
                                    "; connect-src 'self'; base-uri 'none'; form-action 'none'; "
                                    "frame-ancestors 'none'";
  return policy;
}

}  // namespace spread::plugins::websocket
