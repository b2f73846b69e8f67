// Tokens and signing keys (tenant admins): list with last use, create (secret shown once), revoke.
import { h, show, field, table, problemView, loading, empty, copyButton } from '../dom.js';
import { json, enc } from '../api.js';

const ACTIONS = ['dataset:read', 'dataset:write', 'dataset:admin', 'refresh:read', 'refresh:write', 'audit:list', 'audit:get'];

export async function tokensPage(view) {
  const tokens = h('div', { id: 'token-list' });
  const keys = h('div', { id: 'key-list' });
  const created = h('div', { id: 'created-secret', 'aria-live': 'polite' });
  const name = h('input', { id: 'token-name', required: true, maxlength: 200, autocomplete: 'off' });
  const action = h('select', { id: 'token-action' }, ACTIONS.map((a) => h('option', { value: a }, a)));
  const datasets = h('input', { id: 'token-datasets', placeholder: 'all datasets', autocomplete: 'off' });
  const form = h('form', { id: 'create-token', class: 'card' }, h('h2', {}, 'Create an API token'),
    field('Name', name), field('Permission', action), field('Datasets (comma-separated)', datasets),
    h('button', { type: 'submit' }, 'Create token'));
  const keyName = h('input', { id: 'key-name', required: true, maxlength: 200, autocomplete: 'off' });
  const keyRoles = h('input', { id: 'key-roles', placeholder: 'e.g. reader', autocomplete: 'off' });
  const keyForm = h('form', { id: 'create-key', class: 'card' }, h('h2', {}, 'Create a signing key'),
    field('Name', keyName), field('Roles (comma-separated)', keyRoles), h('button', { type: 'submit' }, 'Create key'));
  show(view, h('h1', {}, 'Tokens and signing keys'), created, h('div', { class: 'two' }, form, keyForm),
    h('h2', {}, 'API tokens'), tokens, h('h2', {}, 'Signing keys'), keys);

  function secretShown(kind, secret) {
    show(created, h('div', { class: 'secret card', role: 'alert' },
      h('strong', {}, 'Copy the new ' + kind + ' now: it is shown this once and never again.'),
      h('p', {}, 'Whoever holds it can act with its permissions. Store it in a secret manager, not in a chat or a ticket.'),
      h('pre', { id: 'secret-value' }, secret), copyButton(secret, 'Copy secret'),
      h('button', { type: 'button', id: 'dismiss-secret', onclick: () => show(created) }, 'I have stored it')));
  }

  async function list(path, into, columns, kind) {
    show(into, loading());
    try {
      const page = await json(path + '?limit=200');
      show(into, page.items.length ? table([...columns, {
        title: '', value: (t) => (t.revoked_at ? 'revoked ' + t.revoked_at : h('button', {
          type: 'button', class: 'revoke', 'data-id': t.id, 'aria-label': 'Revoke ' + t.name,
          onclick: async () => {
            if (!confirm('Revoke ' + kind + ' "' + t.name + '"? Requests using it fail from now on.')) return;
            try {
              await json(path + '/' + enc(t.id), { method: 'DELETE' });
              await refresh();
            } catch (e) {
              into.prepend(problemView(e));
            }
          } }, 'Revoke')),
      }], page.items) : empty('None yet.'));
    } catch (e) {
      show(into, problemView(e));
    }
  }

  const common = [
    { title: 'Name', value: (t) => t.name }, { title: 'Id', value: (t) => h('code', {}, t.id) },
    { title: 'Expires', value: (t) => t.expires_at }, { title: 'Created', value: (t) => t.created_at + ' by ' + t.created_by },
  ];
  async function refresh() {
    await Promise.all([
      list('/admin/v1/tokens', tokens, [...common,
        { title: 'Permissions', value: (t) => t.permissions.map((p) => p.action + (p.datasets ? ' on ' + p.datasets.join(', ') : '')).join('; ') },
        { title: 'Last used', value: (t) => t.last_used_at || 'never' }], 'token'),
      list('/admin/v1/signing-keys', keys, [...common, { title: 'Roles', value: (k) => (k.roles || []).join(', ') }], 'signing key'),
    ]);
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const permission = { action: action.value };
    const names = datasets.value.split(',').map((d) => d.trim()).filter(Boolean);
    if (names.length) permission.datasets = names;
    try {
      const answer = await json('/admin/v1/tokens', { method: 'POST', body: { name: name.value.trim(), permissions: [permission] } });
      name.value = '';
      secretShown('API token', answer.token);
      await refresh();
    } catch (err) {
      show(created, problemView(err));
    }
  });
  keyForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const roles = keyRoles.value.split(',').map((r) => r.trim()).filter(Boolean);
    try {
      const answer = await json('/admin/v1/signing-keys', { method: 'POST', body: { name: keyName.value.trim(), roles } });
      keyName.value = '';
      secretShown('signing key secret', answer.secret);
      await refresh();
    } catch (err) {
      show(created, problemView(err));
    }
  });
  await refresh();
}
