// Audit events: filters the API supports, cursor paging, detail with every field and the
// canonical JSON, copy buttons, NDJSON/CSV export of the current filter.
import { h, show, field, table, facts, copyButton, problemView, loading, empty, download, isoOrEmpty } from '../dom.js';
import { call, json, query, enc } from '../api.js';

const MASK = '****';

function masked(value) {
  return value === MASK ? h('span', { class: 'masked', title: 'masked in the support view' }, 'masked') : value;
}

function select(id, options) {
  return h('select', { id }, options.map((o) => h('option', { value: o }, o || 'any')));
}

export async function eventsPage(view, args, session) {
  if (args[0]) return eventDetail(view, args[0], args[1]);
  const operator = session.who.platform_operator;
  const inputs = {
    from: h('input', { id: 'f-from', type: 'datetime-local' }),
    to: h('input', { id: 'f-to', type: 'datetime-local' }),
    actor: h('input', { id: 'f-actor', autocomplete: 'off' }),
    action: h('input', { id: 'f-action', autocomplete: 'off', placeholder: 'e.g. dataset:create' }),
    result: select('f-result', ['', 'succeeded', 'failed', 'denied']),
    dataset: h('input', { id: 'f-dataset', autocomplete: 'off' }),
    severity: select('f-severity', ['', 'info', 'warn', 'error', 'security']),
    request_id: h('input', { id: 'f-request-id', autocomplete: 'off' }),
  };
  const tenant = operator ? h('input', { id: 'f-tenant', autocomplete: 'off', placeholder: 'tenant ids, _platform or *' }) : null;
  const form = h('form', { class: 'filters', id: 'event-filters' },
    field('From', inputs.from), field('To', inputs.to), field('Actor', inputs.actor), field('Action', inputs.action),
    field('Outcome', inputs.result), field('Dataset', inputs.dataset), field('Severity', inputs.severity),
    field('Request id', inputs.request_id), tenant ? field('Tenants (operators)', tenant) : null,
    h('div', { class: 'actions' },
      h('button', { type: 'submit', id: 'apply-filters' }, 'Apply'),
      h('button', { type: 'button', id: 'export-ndjson', onclick: () => exportAs('application/x-ndjson', 'ndjson') }, 'Export NDJSON'),
      h('button', { type: 'button', id: 'export-csv', onclick: () => exportAs('text/csv', 'csv') }, 'Export CSV')));
  const results = h('div', { id: 'event-results' });
  const status = h('div', { class: 'export-status', role: 'status' });
  show(view, h('h1', {}, 'Audit events'), form, status, results);

  function filter() {
    const f = {};
    for (const [name, input] of Object.entries(inputs)) f[name] = input.value.trim();
    f.from = isoOrEmpty(f.from);
    f.to = isoOrEmpty(f.to);
    if (tenant && tenant.value.trim()) f.tenant = tenant.value.trim();
    return f;
  }

  async function exportAs(accept, ext) {
    show(status, loading('Exporting…'));
    try {
      const response = await call('/api/audit/v1alpha1/events' + query(filter()), { accept });
      const blob = await response.blob();
      download('audit-events.' + ext, blob);
      show(status, h('p', { id: 'export-done' }, 'Exported ' + blob.size + ' bytes as ' + ext.toUpperCase() + '.'));
    } catch (e) {
      show(status, problemView(e));
    }
  }

  let pages = [];
  async function load(cursor) {
    show(results, loading());
    try {
      const page = await json('/api/audit/v1alpha1/events' + query({ ...filter(), limit: 50, cursor }));
      pages.push(cursor);
      render(page);
    } catch (e) {
      show(results, problemView(e));
    }
  }

  function render(page) {
    if (!page.items.length) {
      show(results, empty('No events match this filter.'));
      return;
    }
    const rows = table([
      { title: 'Time', value: (e) => h('time', { datetime: e.occurred_at }, e.occurred_at) },
      { title: 'Tenant', value: (e) => e.tenant_id },
      { title: 'Actor', value: (e) => masked(e.actor.id) || e.actor.type },
      { title: 'Action', value: (e) => e.operation.action },
      { title: 'Outcome', value: (e) => h('span', { class: 'outcome ' + e.outcome.result }, e.outcome.result + ' ' + e.outcome.status) },
      { title: 'Dataset', value: (e) => e.operation.dataset_id || '' },
      { title: 'Severity', value: (e) => e.severity },
      { title: 'User agent', value: (e) => masked(e.request.user_agent) || '' },
    ], page.items, (e) => { location.hash = '#/events/' + enc(e.event_id) + (operator ? '/' + enc(e.tenant_id) : ''); });
    rows.id = 'events-table';
    const paging = h('div', { class: 'paging' },
      pages.length > 1 ? h('button', { type: 'button', id: 'first-page', onclick: () => { pages = []; load(); } }, 'First page') : null,
      page.next_cursor ? h('button', { type: 'button', id: 'next-page', onclick: () => load(page.next_cursor) }, 'Next page') : null);
    show(results, rows, paging);
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    pages = [];
    load();
  });
  await load();
}

async function eventDetail(view, id, tenant) {
  show(view, loading());
  const q = query({ tenant });
  const event = await json('/api/audit/v1alpha1/events/' + enc(id) + q);
  const canonical = h('pre', { id: 'canonical-json', class: 'json' }, 'Loading…');
  const receipt = h('div', { id: 'receipt' });
  show(view,
    h('p', {}, h('a', { href: '#/events' }, '← All events')),
    h('h1', {}, 'Event ', h('code', { id: 'event-id' }, event.event_id), ' ', copyButton(event.event_id, 'Copy id')),
    facts([
      ['Occurred at', event.occurred_at],
      ['Tenant', event.tenant_id],
      ['Request id', h('span', {}, h('code', {}, event.request_id), ' ', copyButton(event.request_id, 'Copy request id'))],
      ['Trace id', event.trace_id],
      ['Actor', h('span', { id: 'actor' }, masked(event.actor.id) || '', ' (', event.actor.type, ', ', event.actor.auth_method, ')')],
      ['Roles', (event.actor.roles || []).join(', ')],
      ['Action', event.operation.action],
      ['Component', event.operation.component],
      ['Resource', (event.operation.resource_type || '') + ' ' + (event.operation.resource_id || '')],
      ['Dataset', event.operation.dataset_id],
      ['Outcome', event.outcome.result + ' ' + event.outcome.status + (event.outcome.problem ? ' ' + event.outcome.problem.code + ': ' + (event.outcome.problem.message || '') : '')],
      ['Severity', event.severity],
      ['Method and path', event.request.method + ' ' + event.request.path],
      ['Source address', h('span', { id: 'source-ip' }, masked(event.request.source_ip))],
      ['User agent', h('span', { id: 'user-agent' }, masked(event.request.user_agent))],
      ['Revision', event.revision ? JSON.stringify(event.revision) : null],
      ['Seq', event.seq],
      ['Hash', event.hash ? h('code', {}, event.hash) : 'not sealed yet'],
      ['Previous hash', event.prev_hash ? h('code', {}, event.prev_hash) : null],
    ]),
    h('h2', {}, 'Details'),
    h('pre', { id: 'event-details', class: 'json' }, JSON.stringify(event.details, null, 2)),
    h('h2', {}, 'As returned by the API'),
    h('pre', { id: 'event-json', class: 'json' }, JSON.stringify(event, null, 2)),
    h('h2', {}, 'Canonical JSON (the leaf hashed into the log)'),
    canonical,
    h('h2', {}, 'Receipt'),
    h('button', { type: 'button', id: 'get-receipt', onclick: () => loadReceipt(id, q, receipt) }, 'Get receipt'), receipt);
  try {
    const response = await call('/api/audit/v1alpha1/events/' + enc(id) + '/leaf' + q, { accept: 'application/octet-stream' });
    canonical.textContent = await response.text();
  } catch (e) {
    show(canonical, e.problem && e.problem.status === 409 ? 'Not sealed yet: the canonical form appears once the event is sealed.' : problemView(e));
  }
}

async function loadReceipt(id, q, into) {
  show(into, loading());
  try {
    const receipt = await json('/api/audit/v1alpha1/events/' + enc(id) + '/receipt' + q);
    const text = JSON.stringify(receipt, null, 2);
    show(into, h('pre', { class: 'json', id: 'receipt-json' }, text), copyButton(text, 'Copy receipt'));
  } catch (e) {
    show(into, problemView(e));
  }
}
