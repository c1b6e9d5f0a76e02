// The dashboard page: a server-sent event stream delivers one snapshot of the analytics and the
// pipeline's verdict every two seconds; each snapshot redraws the charts in place.
'use strict';

const palette = ['#0969da', '#bf3989', '#1a7f37', '#bc4c00', '#8250df', '#0a7f8f', '#9a6700', '#cf222e'];
const state = { snapshots: 0, last: null };
window.cdcDashboard = state;

function time(iso) {
  return new Date(iso).toISOString().substring(11, 16);
}

function chart(id, config) {
  config.options = Object.assign({ animation: false, responsive: true, maintainAspectRatio: true }, config.options || {});
  return new Chart(document.getElementById(id), config);
}

// The latency chart is the platform's; every other panel is one analytic of the definition.
const latencyChart = chart('latency', {
  type: 'line',
  data: { labels: [], datasets: [
    { label: 'p50 ms', data: [], borderColor: '#0969da', yAxisID: 'ms' },
    { label: 'p99 ms', data: [], borderColor: '#cf222e', yAxisID: 'ms' },
    { label: 'changes/s', data: [], borderColor: '#1a7f37', borderDash: [4, 4], yAxisID: 'rate' }
  ] },
  options: {
    aspectRatio: 3.2,
    scales: {
      ms: { position: 'left', title: { display: true, text: 'ms' }, beginAtZero: true },
      rate: { position: 'right', title: { display: true, text: 'changes/s' }, beginAtZero: true, grid: { drawOnChartArea: false } }
    }
  }
});

const panels = new Map();

function label(value) {
  if (value == null) return '∅';
  const text = String(value);
  return /^\d{4}-\d{2}-\d{2}T/.test(text) ? time(text) : text;
}

// A section for each panel, built once per set of panels.
function buildPanels(list) {
  const names = list.map(p => p.spec.name).join(',');
  if (state.panelNames === names) return;
  state.panelNames = names;
  panels.forEach(p => p.chart && p.chart.destroy());
  panels.clear();
  const container = document.getElementById('panels');
  container.innerHTML = '';
  list.forEach(({ spec }) => {
    const section = document.createElement('section');
    section.className = 'panel' + (spec.chart === 'timeseries' || spec.chart === 'table' ? ' wide' : '');
    section.dataset.panel = spec.name;
    section.innerHTML = '<h2></h2><p class="note"></p>';
    section.querySelector('h2').textContent = spec.name.replace(/_/g, ' ');
    section.querySelector('.note').textContent = spec.description +
      (spec.window ? ' Solid: window closed (the watermark passed it). Pale: still open. ▲ late updates.' : '');
    const panel = { spec, section };
    // In the page before its chart is made: Chart.js looks its canvas up by id.
    container.appendChild(section);
    if (spec.chart === 'table') {
      panel.table = document.createElement('table');
      section.appendChild(panel.table);
    } else {
      const canvas = document.createElement('canvas');
      canvas.id = 'panel-' + spec.name;
      section.appendChild(canvas);
      panel.chart = chart(canvas.id, spec.chart === 'bars'
        ? { type: 'bar', data: { labels: [], datasets: [{ label: spec.value, data: [], backgroundColor: palette[0] }] },
            options: { indexAxis: 'y', aspectRatio: 1.8, plugins: { legend: { display: false } } } }
        : { type: 'bar', data: { labels: [], datasets: [] },
            options: { aspectRatio: 3.2, scales: { x: { stacked: true }, y: { stacked: true, title: { display: true, text: spec.value } } } } });
    }
    panels.set(spec.name, panel);
  });
}

function drawTimeseries(panel, rows) {
  const spec = panel.spec;
  const xs = [...new Set(rows.map(r => r.x))].sort();
  const series = [...new Set(rows.map(r => r.series))].sort();
  const byKey = new Map(rows.map(r => [r.series + '|' + r.x, r]));
  const datasets = series.map((name, i) => {
    const color = palette[i % palette.length];
    const cells = xs.map(x => byKey.get(name + '|' + x));
    return {
      label: name || spec.value,
      data: cells.map(c => c ? Number(c.value) : 0),
      backgroundColor: cells.map(c => !spec.window || (c && c.window_closed) ? color : color + '55'),
      borderColor: color,
      borderWidth: cells.map(c => spec.window && c && !c.window_closed ? 1 : 0),
      stack: 'value'
    };
  });
  if (spec.window) {
    const totals = xs.map(x => series.reduce((sum, s) => { const r = byKey.get(s + '|' + x); return sum + (r ? Number(r.value) : 0); }, 0));
    const late = xs.map(x => series.reduce((sum, s) => { const r = byKey.get(s + '|' + x); return sum + (r ? r.late_updates : 0); }, 0));
    datasets.push({ type: 'line', label: 'late updates ▲', data: totals.map((t, i) => late[i] > 0 ? t : null), showLine: false,
      pointStyle: 'triangle', pointRadius: 7, pointBackgroundColor: '#cf222e', borderColor: '#cf222e' });
  }
  panel.chart.data.labels = xs.map(label);
  panel.chart.data.datasets = datasets;
  panel.chart.update();
}

function drawBars(panel, rows) {
  panel.chart.data.labels = rows.map(r => label(r.x));
  panel.chart.data.datasets[0].data = rows.map(r => Number(r.value));
  panel.chart.update();
}

function drawTable(panel, rows) {
  const columns = panel.spec.columns.length ? panel.spec.columns : Object.keys(rows[0] || {});
  const head = '<tr>' + columns.map(c => '<th></th>').join('') + '</tr>';
  panel.table.innerHTML = head + rows.map(() => '<tr>' + columns.map(() => '<td></td>').join('') + '</tr>').join('');
  panel.table.querySelectorAll('th').forEach((th, i) => { th.textContent = columns[i]; });
  panel.table.querySelectorAll('tr').forEach((tr, r) => {
    if (r === 0) return;
    tr.querySelectorAll('td').forEach((td, i) => { const v = rows[r - 1][columns[i]]; td.textContent = v == null ? '∅' : String(v); td.title = td.textContent; });
  });
}

function drawPanels(list) {
  buildPanels(list);
  list.forEach(({ spec, rows }) => {
    const panel = panels.get(spec.name);
    panel.section.classList.toggle('waiting', !spec.ready);
    panel.rows = rows.length;
    if (spec.chart === 'timeseries') drawTimeseries(panel, rows);
    else if (spec.chart === 'bars') drawBars(panel, rows);
    else drawTable(panel, rows);
  });
}

function drawLatency(rows) {
  latencyChart.data.labels = rows.map(r => time(r.minute_start));
  latencyChart.data.datasets[0].data = rows.map(r => r.p50_ms);
  latencyChart.data.datasets[1].data = rows.map(r => r.p99_ms);
  latencyChart.data.datasets[2].data = rows.map(r => Math.round(r.change_count / 60));
  latencyChart.update();
}

function bytes(n) {
  if (n == null) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return n.toFixed(i ? 1 : 0) + ' ' + units[i];
}

function seconds(ms) {
  return ms == null ? '–' : (ms / 1000).toFixed(1) + ' s';
}

const figures = {
  SourceReady: f => 'slot lag ' + bytes(f.retainedWalBytes),
  CaptureReady: f => f.runningTasks == null ? 'tasks –' : f.runningTasks + ' task(s) running',
  TransportReady: f => f.brokers == null ? 'brokers –' : f.brokers + ' brokers',
  ProcessingReady: f => 'checkpoint ' + seconds(f.checkpointAgeMs) + ' old',
  SinkFresh: f => 'freshness ' + seconds(f.freshnessMs),
  ResultsExact: f => f.unapplied == null ? 'ledger –' : f.unapplied + ' not applied'
};

function drawStrip(health) {
  const conditions = new Map((health.conditions || []).map(c => [c.type, c]));
  const ready = conditions.get('Ready');
  const verdict = document.getElementById('verdict');
  verdict.textContent = !ready ? 'no verdict' : ready.status === 'True' ? 'Ready: changes are flowing' : 'Not ready: ' + health.failingStage + ' (' + ready.reason + ')';
  verdict.className = 'verdict ' + (!ready ? 'unknown' : ready.status === 'True' ? 'ok' : 'failing');
  document.querySelectorAll('.stage').forEach(box => {
    const type = box.dataset.stage;
    const condition = conditions.get(type);
    box.classList.remove('ok', 'failing', 'unknown');
    box.classList.toggle('blamed', health.failingStage === type);
    if (!condition) {
      box.classList.add('unknown');
      box.querySelector('.figure').textContent = 'no verdict';
      box.querySelector('.reason').textContent = health.error || '';
      return;
    }
    box.classList.add(condition.status === 'True' ? 'ok' : condition.status === 'False' ? 'failing' : 'unknown');
    box.querySelector('.figure').textContent = figures[type](health.figures || {});
    box.querySelector('.reason').textContent = condition.status === 'True' ? '' : condition.reason + ': ' + condition.message;
    box.title = condition.message;
  });
}

function draw(snapshot) {
  state.snapshots++;
  state.last = snapshot;
  document.getElementById('pipeline').textContent = snapshot.pipeline;
  drawPanels(snapshot.panels);
  drawLatency(snapshot.latency);
  drawStrip(snapshot.health);
  document.getElementById('updated').textContent = 'updated ' + new Date(snapshot.at).toLocaleTimeString();
}

// Draw at once from the API, then follow the stream.
fetch('/api/snapshot').then(r => r.ok ? r.json() : null).then(s => { if (s && state.snapshots === 0) draw(s); });
const events = new EventSource('/events');
const connection = document.getElementById('connection');
events.addEventListener('snapshot', e => draw(JSON.parse(e.data)));
events.onopen = () => { connection.textContent = 'live'; connection.className = 'connection live'; };
events.onerror = () => { connection.textContent = 'reconnecting…'; connection.className = 'connection lost'; };
