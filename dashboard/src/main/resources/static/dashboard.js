// The dashboard page: a server-sent event stream delivers one snapshot of the analytics and the
// pipeline's verdict every two seconds; each snapshot redraws the charts in place.
'use strict';

const palette = ['#0969da', '#bf3989', '#1a7f37', '#bc4c00', '#8250df', '#0a7f8f', '#9a6700', '#cf222e'];
const state = { snapshots: 0, last: null };
window.cdcDashboard = state;

function time(iso) {
  return new Date(iso).toISOString().substring(11, 16);
}

function money(text) {
  return Number(text);
}

function chart(id, config) {
  config.options = Object.assign({ animation: false, responsive: true, maintainAspectRatio: true }, config.options || {});
  return new Chart(document.getElementById(id), config);
}

const charts = {
  revenue: chart('revenue', {
    type: 'bar',
    data: { labels: [], datasets: [] },
    options: {
      aspectRatio: 3.2,
      scales: { x: { stacked: true }, y: { stacked: true, title: { display: true, text: 'revenue' } } },
      plugins: {
        legend: {
          labels: {
            // A category's colour in the legend is its closed-window colour.
            generateLabels: (c) => Chart.defaults.plugins.legend.labels.generateLabels(c).map(label => {
              const dataset = c.data.datasets[label.datasetIndex];
              return Object.assign(label, { fillStyle: dataset.borderColor, strokeStyle: dataset.borderColor });
            })
          }
        },
        tooltip: {
          callbacks: {
            afterLabel: (item) => {
              const meta = item.dataset.meta && item.dataset.meta[item.dataIndex];
              if (!meta) return '';
              return (meta.closed ? 'window closed' : 'window open') + (meta.late ? ', ' + meta.late + ' late corrections' : '');
            }
          }
        }
      }
    }
  }),
  status: chart('status', {
    type: 'bar',
    data: { labels: [], datasets: [{ label: 'orders', data: [], backgroundColor: '#0969da' }] },
    options: { aspectRatio: 1.8, plugins: { legend: { display: false } } }
  }),
  customers: chart('customers', {
    type: 'bar',
    data: { labels: [], datasets: [{ label: 'paid amount', data: [], backgroundColor: '#1a7f37' }] },
    options: { indexAxis: 'y', aspectRatio: 1.8, plugins: { legend: { display: false } } }
  }),
  latency: chart('latency', {
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
  })
};

function drawRevenue(rows) {
  const minutes = [...new Set(rows.map(r => r.minute_start))].sort();
  const categories = [...new Set(rows.map(r => r.category))].sort();
  const byKey = new Map(rows.map(r => [r.category + '|' + r.minute_start, r]));
  const datasets = categories.map((category, i) => {
    const color = palette[i % palette.length];
    const cells = minutes.map(m => byKey.get(category + '|' + m));
    return {
      label: category,
      data: cells.map(c => c ? money(c.revenue) : 0),
      backgroundColor: cells.map(c => c && c.window_closed ? color : color + '55'),
      borderColor: color,
      borderWidth: cells.map(c => c && !c.window_closed ? 1 : 0),
      meta: cells.map(c => c ? { closed: c.window_closed, late: c.late_corrections } : null),
      stack: 'revenue'
    };
  });
  const totals = minutes.map(m => categories.reduce((sum, c) => { const r = byKey.get(c + '|' + m); return sum + (r ? money(r.revenue) : 0); }, 0));
  const late = minutes.map(m => categories.reduce((sum, c) => { const r = byKey.get(c + '|' + m); return sum + (r ? r.late_corrections : 0); }, 0));
  datasets.push({
    type: 'line',
    label: 'late corrections ▲',
    data: totals.map((t, i) => late[i] > 0 ? t : null),
    showLine: false,
    pointStyle: 'triangle',
    pointRadius: 7,
    pointBackgroundColor: '#cf222e',
    borderColor: '#cf222e',
    meta: late.map(n => ({ closed: true, late: n }))
  });
  charts.revenue.data.labels = minutes.map(time);
  charts.revenue.data.datasets = datasets;
  charts.revenue.update();
}

function drawStatus(rows) {
  charts.status.data.labels = rows.map(r => r.status);
  charts.status.data.datasets[0].data = rows.map(r => r.order_count);
  charts.status.update();
}

function drawCustomers(rows) {
  charts.customers.data.labels = rows.map(r => 'customer ' + r.customer_id);
  charts.customers.data.datasets[0].data = rows.map(r => money(r.paid_amount));
  charts.customers.update();
}

function drawLatency(rows) {
  charts.latency.data.labels = rows.map(r => time(r.minute_start));
  charts.latency.data.datasets[0].data = rows.map(r => r.p50_ms);
  charts.latency.data.datasets[1].data = rows.map(r => r.p99_ms);
  charts.latency.data.datasets[2].data = rows.map(r => Math.round(r.change_count / 60));
  charts.latency.update();
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
  SinkFresh: f => 'freshness ' + seconds(f.freshnessMs)
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
  drawRevenue(snapshot.revenue);
  drawStatus(snapshot.statusTotals);
  drawCustomers(snapshot.topCustomers);
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
