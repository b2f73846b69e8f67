// Datasets: list, and a detail with the access block in words, shares, retention and refresh state.
import { h, show, table, facts, problemView, loading, empty } from '../dom.js';
import { json, enc } from '../api.js';

export async function datasetsPage(view, args) {
  if (args[0]) return datasetDetail(view, args[0]);
  show(view, h('h1', {}, 'Datasets'), loading());
  const page = await json('/storage/v1/datasets?limit=200');
  show(view, h('h1', {}, 'Datasets'),
    page.items.length ? table([
      { title: 'Dataset', value: (d) => h('a', { href: '#/datasets/' + enc(d.id) }, d.id) },
      { title: 'Description', value: (d) => d.description || '' },
      { title: 'Retention', value: (d) => (d.retention_days ? d.retention_days + ' days' : 'tenant default') },
      { title: 'Updated', value: (d) => d.updated_at + ' by ' + d.updated_by },
    ], page.items) : empty('No datasets you may read.'),
    page.next_cursor ? h('p', {}, 'More datasets exist than shown here.') : null);
}

function who(block) {
  if (!block) return 'the tenant defaults (docs/authorization.md)';
  const roles = block.roles || [];
  const scopes = block.scopes || [];
  const parts = [];
  if (roles.length) parts.push('callers with the role ' + roles.join(' or '));
  if (scopes.length) parts.push('tokens with the scope ' + scopes.join(' or '));
  return parts.length ? parts.join(', and ') : 'nobody (an empty block)';
}

function accessInWords(access) {
  access = access || {};
  return h('ul', { id: 'access-words' },
    h('li', {}, 'Read: ', who(access.read), '.'),
    h('li', {}, 'Write: ', who(access.write), '.'),
    h('li', {}, 'Administer: ', who(access.admin), '.'),
    h('li', {}, 'Every decision, allowed or denied, is recorded in the audit trail.'));
}

async function optional(path) {
  try {
    return { value: await json(path) };
  } catch (e) {
    return { error: e };
  }
}

async function datasetDetail(view, id) {
  show(view, loading());
  const base = '/storage/v1/datasets/' + enc(id);
  const dataset = await json(base);
  const [shares, state, runs] = await Promise.all([optional(base + '/shares'), optional(base + '/refresh-state'),
    optional(base + '/refresh-runs?limit=20')]);
  const freshness = state.value && state.value.freshness_age_seconds !== undefined
    ? state.value.freshness_age_seconds + ' s since the watermark' : 'no succeeded run yet';
  show(view,
    h('p', {}, h('a', { href: '#/datasets' }, '← All datasets')),
    h('h1', {}, 'Dataset ', h('code', { id: 'dataset-id' }, dataset.id)),
    facts([
      ['Description', dataset.description],
      ['Labels', Object.entries(dataset.labels || {}).map(([k, v]) => k + '=' + v).join(', ') || 'none'],
      ['Retention', dataset.retention_days ? dataset.retention_days + ' days' : 'tenant default'],
      ['Revision', String(dataset.revision)],
      ['Created', dataset.created_at + ' by ' + dataset.created_by],
      ['Updated', dataset.updated_at + ' by ' + dataset.updated_by],
    ]),
    h('h2', {}, 'Who may do what'), accessInWords(dataset.access),
    h('h2', {}, 'Shares'),
    shares.error ? problemView(shares.error) : shares.value.items.length ? table([
      { title: 'Tenant', value: (s) => s.tenant }, { title: 'Scope', value: (s) => s.scope },
      { title: 'Why', value: (s) => s.rationale }, { title: 'Owner', value: (s) => s.owner },
      { title: 'Since', value: (s) => s.created_at + ' by ' + s.created_by },
    ], shares.value.items) : empty('Not shared with any other tenant.'),
    h('h2', {}, 'Refresh state'),
    state.error ? problemView(state.error) : h('div', { id: 'refresh-state' }, facts([
      ['State', state.value.state || 'never refreshed'],
      ['Run', state.value.run_id],
      ['Watermark', state.value.watermark],
      ['Freshness', freshness],
      ['Updated', state.value.updated_at],
    ])),
    h('h2', {}, 'Run log'),
    runs.error ? problemView(runs.error) : runs.value.items.length ? h('div', { id: 'run-log' }, table([
      { title: 'Run', value: (r) => r.run_id }, { title: 'State', value: (r) => r.state },
      { title: 'Watermark', value: (r) => r.watermark || '' }, { title: 'Updated', value: (r) => r.updated_at + ' by ' + r.updated_by },
      { title: 'Details', value: (r) => JSON.stringify(r.details) },
    ], runs.value.items)) : empty('No runs reported.'),
    h('p', {}, h('a', { href: '#/data/' + enc(dataset.id) }, 'Chart its data →')));
}
