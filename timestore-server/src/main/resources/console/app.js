// The console's shell: sign-in, who you are, and the page router (#/events, #/data, ...).
import { h, show, field, problemView } from './dom.js';
import { currentSession, onSessionChange } from './api.js';
import { config, devSignIn, pasteToken, oidcSignIn, completeOidc, signOut } from './auth.js';
import { eventsPage } from './pages/events.js';
import { integrityPage } from './pages/integrity.js';
import { datasetsPage } from './pages/datasets.js';
import { dataPage } from './pages/data.js';
import { tokensPage } from './pages/tokens.js';

const settings = config();
const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
const banner = document.getElementById('banner');

const pages = {
  events: eventsPage,
  integrity: integrityPage,
  datasets: datasetsPage,
  data: dataPage,
  tokens: tokensPage,
};

function route() {
  const hash = location.hash.replace(/^#\/?/, '');
  const [name, ...rest] = hash.split('/');
  return { name: pages[name] ? name : 'events', args: rest.map(decodeURIComponent) };
}

async function render() {
  const session = currentSession();
  if (!session || !session.who) {
    nav.hidden = true;
    show(who);
    // Keep a sign-in view already shown: it holds the form's input and any error of the last try.
    if (!main.querySelector('.sign-in')) show(main, signInView());
    return;
  }
  nav.hidden = false;
  const { name, args } = route();
  nav.querySelectorAll('a').forEach((a) => {
    if (a.getAttribute('href') === '#/' + name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
  const view = h('section', { class: 'page', 'data-page': name });
  show(main, view);
  try {
    await pages[name](view, args, session);
  } catch (e) {
    show(view, problemView(e));
  }
}

function showWho(session) {
  if (!session || !session.who) {
    show(who);
    return;
  }
  const w = session.who;
  show(who,
    h('span', { class: 'subject', title: 'signed in by ' + session.how }, w.subject),
    ' · tenant ', h('span', { class: 'tenant' }, w.tenant),
    ' · roles ', h('span', { class: 'roles' }, w.roles.length ? w.roles.join(', ') : 'none'),
    session.expiresAt ? h('span', { class: 'expires' }, ' · until ' + new Date(session.expiresAt).toLocaleTimeString()) : null,
    ' ', h('button', { type: 'button', id: 'sign-out', onclick: () => { signOut(); } }, 'Sign out'));
}

function expiredBanner(session) {
  if (session && session.expired) {
    show(banner, h('p', {}, 'Your session has expired or was refused. ',
      h('button', { type: 'button', id: 'sign-in-again', onclick: () => { signOut(); } }, 'Sign in again')));
    banner.hidden = false;
  } else {
    banner.hidden = true;
    show(banner);
  }
}

function signInView() {
  const errors = h('div', { class: 'errors' });
  const fail = (e) => show(errors, problemView(e));
  const parts = [h('h1', {}, 'Sign in to Timestore')];
  if (settings.oidc) {
    parts.push(h('section', { class: 'card' }, h('h2', {}, 'Identity provider'),
      h('button', { type: 'button', id: 'oidc-sign-in', onclick: () => oidcSignIn(settings.oidc).catch(fail) },
        'Sign in with ' + new URL(settings.oidc.issuer).host)));
  }
  if (settings.dev_sign_in) {
    const subject = h('input', { id: 'dev-subject', value: 'dev', autocomplete: 'off', required: true });
    const tenant = h('input', { id: 'dev-tenant', value: '', placeholder: 'e.g. acme', autocomplete: 'off' });
    const roles = h('input', { id: 'dev-roles', value: 'tenant-admin,auditor', autocomplete: 'off' });
    const operator = h('input', { id: 'dev-operator', type: 'checkbox' });
    const form = h('form', { id: 'dev-sign-in', class: 'card' },
      h('h2', {}, 'Development sign-in'),
      h('p', { class: 'hint' }, 'Embedded development mode only: mints a short-lived token from the development issuer.'),
      field('Subject', subject), field('Tenant', tenant), field('Roles (comma-separated)', roles),
      h('label', { class: 'check' }, operator, ' Platform operator'),
      h('button', { type: 'submit' }, 'Sign in'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      devSignIn({ subject: subject.value.trim(), tenant: tenant.value.trim(),
        roles: roles.value.split(',').map((r) => r.trim()).filter(Boolean), platformOperator: operator.checked }).catch(fail);
    });
    parts.push(form);
  }
  const token = h('textarea', { id: 'paste-token', rows: 3, autocomplete: 'off', spellcheck: 'false' });
  const pasted = h('form', { id: 'token-sign-in', class: 'card' }, h('h2', {}, 'API token'),
    field('Paste an API token or a JWT', token), h('button', { type: 'submit' }, 'Use token'));
  pasted.addEventListener('submit', (e) => {
    e.preventDefault();
    pasteToken(token.value).then(() => { token.value = ''; }).catch(fail);
  });
  parts.push(pasted, errors);
  return h('div', { class: 'sign-in' }, parts);
}

onSessionChange((session) => {
  showWho(session);
  expiredBanner(session);
  if (!session || !session.expired) render();
});
window.addEventListener('hashchange', render);

(async () => {
  try {
    if (!(await completeOidc(settings.oidc))) await render();
  } catch (e) {
    await render();
    main.prepend(problemView(e));
  }
})();
