// Integrity: the latest signed checkpoint of a partition, sealing lag, and "verify now".
import { h, show, field, facts, table, problemView, loading, empty, copyButton } from '../dom.js';
import { json, query } from '../api.js';

function age(iso) {
  if (!iso) return '—';
  const seconds = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
  return seconds < 120 ? seconds + ' s' : seconds < 7200 ? Math.round(seconds / 60) + ' min' : Math.round(seconds / 3600) + ' h';
}

export async function integrityPage(view, args, session) {
  const operator = session.who.platform_operator;
  const partition = h('input', { id: 'partition', value: operator ? '_platform' : session.who.tenant, disabled: !operator });
  const state = h('div', { id: 'partition-state' });
  const verification = h('div', { id: 'verification' });
  const verifyButton = h('button', { type: 'button', id: 'verify-now' }, 'Verify now');
  const form = h('form', { class: 'filters' }, field('Partition', partition), h('div', { class: 'actions' },
    h('button', { type: 'submit', id: 'show-partition' }, 'Show'), verifyButton));
  show(view, h('h1', {}, 'Integrity'), form, state, h('h2', {}, 'Verification'), verification);
  const tenant = () => (operator ? partition.value.trim() : undefined);

  async function load() {
    show(state, loading());
    try {
      const [checkpoints, events] = await Promise.all([
        json('/api/audit/v1alpha1/checkpoints' + query({ tenant: tenant(), limit: 1 })),
        json('/api/audit/v1alpha1/events' + query({ tenant: tenant(), limit: 50 })),
      ]);
      const latest = checkpoints.items[0];
      const newest = events.items[0];
      const sealed = events.items.find((e) => e.seq !== undefined && e.seq !== null);
      const unsealed = events.items.filter((e) => e.seq === undefined || e.seq === null).length;
      const lag = newest && sealed ? Math.max(0, (new Date(newest.occurred_at) - new Date(sealed.occurred_at)) / 1000) : null;
      show(state,
        h('h2', {}, 'Latest checkpoint'),
        latest ? facts([
          ['Partition', latest.tenant_id],
          ['Covers through seq', h('span', { id: 'checkpoint-seq' }, String(latest.seq))],
          ['Tree head hash', h('span', {}, h('code', {}, latest.hash), ' ', copyButton(latest.hash))],
          ['Signed at', latest.signed_at + ' (' + age(latest.signed_at) + ' ago)'],
          ['Key', latest.key_id + ' (' + (latest.kind || '') + ')'],
        ]) : empty('No checkpoint yet: one is signed after the first events are sealed.'),
        h('h2', {}, 'Sealing'),
        newest ? facts([
          ['Newest event', newest.occurred_at + ' (' + age(newest.occurred_at) + ' ago)'],
          ['Newest sealed event', sealed ? 'seq ' + sealed.seq + ' at ' + sealed.occurred_at : 'none among the newest 50'],
          ['Sealing lag', h('span', { id: 'sealing-lag' }, lag === null ? '—' : lag.toFixed(1) + ' s (' + unsealed + ' of the newest ' + events.items.length + ' events not yet sealed)')],
        ]) : empty('No events in this partition.'),
        h('h3', {}, 'Signing keys'),
        table([{ title: 'Key id', value: (k) => k.key_id }, { title: 'Algorithm', value: (k) => k.algorithm }],
          checkpoints.public_keys));
    } catch (e) {
      show(state, problemView(e));
    }
  }

  verifyButton.addEventListener('click', async () => {
    show(verification, loading('Verifying… (recomputes every hash of the chain)'));
    try {
      const report = await json('/api/audit/v1alpha1/verify' + query({ tenant: tenant() }));
      show(verification,
        h('p', { id: 'verify-result', class: report.ok ? 'ok' : 'bad' }, report.ok ? 'Intact: every chain verified.' : 'FAILED: a chain does not verify.'),
        table([
          { title: 'Partition', value: (t) => t.tenant_id },
          { title: 'Verified through seq', value: (t) => String(t.verified_through_seq ?? '—') },
          { title: 'First bad seq', value: (t) => (t.first_bad_seq === null || t.first_bad_seq === undefined ? '—' : String(t.first_bad_seq)) },
          { title: 'Reason', value: (t) => t.reason || '—' },
        ], report.tenants));
    } catch (e) {
      show(verification, problemView(e));
    }
  });
  form.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  await load();
}
