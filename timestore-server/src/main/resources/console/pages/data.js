// Data: pick dataset, series (measurement and tags) and field, a time range, raw or aggregate;
// a uPlot chart and a table of the points.
import uPlot from '../vendor/uPlot.esm.js';
import { h, show, field, table, problemView, loading, empty } from '../dom.js';
import { json, query, enc } from '../api.js';

const RANGES = { '15m': 15 * 60, '1h': 3600, '6h': 6 * 3600, '24h': 86400, '7d': 7 * 86400, '30d': 30 * 86400, '365d': 365 * 86400 };

function option(value, label, selected) {
  return h('option', { value, selected: selected || undefined }, label ?? value);
}

function fieldsOf(series) {
  const f = series.fields;
  if (Array.isArray(f)) return f.map((x) => (typeof x === 'string' ? x : x.name));
  return Object.keys(f || {});
}

function seriesLabel(s) {
  const tags = Object.entries(s.tags || {}).map(([k, v]) => k + '=' + v).join(',');
  return s.measurement + (tags ? ',' + tags : '');
}

export async function dataPage(view, args) {
  show(view, h('h1', {}, 'Data'), loading());
  const datasets = (await json('/storage/v1/datasets?limit=200')).items;
  if (!datasets.length) {
    show(view, h('h1', {}, 'Data'), empty('No datasets you may read.'));
    return;
  }
  const dataset = h('select', { id: 'data-dataset' }, datasets.map((d) => option(d.id, d.id, d.id === args[0])));
  const seriesSelect = h('select', { id: 'data-series' });
  const fieldSelect = h('select', { id: 'data-field' });
  const range = h('select', { id: 'data-range' }, Object.keys(RANGES).map((r) => option(r, 'last ' + r, r === '24h')));
  const mode = h('select', { id: 'data-mode' }, option('raw', 'raw points'), option('aggregate', 'aggregate'));
  const step = h('input', { id: 'data-step', value: '1m', size: 6 });
  const agg = h('select', { id: 'data-agg' }, ['avg', 'min', 'max', 'sum', 'count', 'first', 'last'].map((a) => option(a)));
  const chart = h('div', { id: 'chart', class: 'chart', role: 'img', 'aria-label': 'time-series chart' });
  const points = h('div', { id: 'points' });
  const form = h('form', { class: 'filters', id: 'data-form' },
    field('Dataset', dataset), field('Series', seriesSelect), field('Field', fieldSelect), field('Range', range),
    field('Mode', mode), field('Step', step), field('Aggregate', agg),
    h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'draw' }, 'Draw')));
  show(view, h('h1', {}, 'Data'), form, chart, points);
  let series = [];

  async function loadSeries() {
    show(seriesSelect);
    show(fieldSelect);
    try {
      series = (await json('/storage/v1/datasets/' + enc(dataset.value) + '/series?limit=500')).items;
    } catch (e) {
      show(points, problemView(e));
      return;
    }
    if (!series.length) {
      show(points, empty('This dataset holds no series yet.'));
      return;
    }
    series.forEach((s, i) => seriesSelect.append(option(String(i), seriesLabel(s))));
    loadFields();
  }

  function loadFields() {
    show(fieldSelect);
    const s = series[Number(seriesSelect.value)];
    if (s) fieldsOf(s).forEach((f) => fieldSelect.append(option(f)));
  }

  async function draw() {
    const s = series[Number(seriesSelect.value)];
    if (!s) return;
    show(points, loading());
    const end = new Date();
    const start = new Date(end.getTime() - RANGES[range.value] * 1000);
    const params = { measurement: s.measurement, field: fieldSelect.value, start: start.toISOString(), end: end.toISOString() };
    for (const [k, v] of Object.entries(s.tags || {})) params['tag.' + k] = v;
    if (mode.value === 'aggregate') {
      params.step = step.value.trim();
      params.agg = agg.value;
    } else {
      params.limit = 5000;
    }
    let result;
    try {
      result = await json('/storage/v1/datasets/' + enc(dataset.value) + '/query' + query(params));
    } catch (e) {
      show(chart);
      show(points, problemView(e));
      return;
    }
    const found = result.series.find((x) => x.field === fieldSelect.value) || result.series[0];
    const rows = found ? found.points.filter((p) => p[1] !== null && typeof p[1] === 'number') : [];
    show(chart);
    if (!rows.length) {
      show(points, empty('No numeric points in this range.'));
      return;
    }
    const xs = rows.map((p) => Date.parse(p[0]) / 1000);
    const ys = rows.map((p) => p[1]);
    const width = Math.max(320, Math.min(chart.clientWidth || 900, 1400));
    new uPlot({
      width, height: 320,
      series: [{}, { label: found.field, stroke: '#1f6feb', width: 2, points: { show: rows.length < 200 } }],
      axes: [{}, {}],
    }, [xs, ys], chart);
    show(points, h('p', {}, rows.length + ' points' + (result.series.length > 1 ? ' (first series shown)' : '')),
      table([{ title: 'Time', value: (p) => p[0] }, { title: found.field, value: (p) => String(p[1]) }], found.points.slice(0, 500)));
  }

  dataset.addEventListener('change', loadSeries);
  seriesSelect.addEventListener('change', loadFields);
  form.addEventListener('submit', (e) => { e.preventDefault(); draw(); });
  await loadSeries();
}
