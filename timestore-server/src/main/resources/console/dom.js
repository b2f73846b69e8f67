// Every piece of text from the server goes through textContent: never innerHTML with data.

/** An element with attributes and children; strings become text nodes. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (name === 'dataset') {
      Object.assign(el.dataset, value);
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the children of el. */
export function show(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A button that copies text to the clipboard. */
export function copyButton(text, label = 'Copy') {
  const button = h('button', { type: 'button', class: 'copy', 'aria-label': label + ': ' + text });
  button.textContent = label;
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = 'Copied';
    } catch {
      button.textContent = 'Select and copy by hand';
    }
    setTimeout(() => { button.textContent = label; }, 1500);
  });
  return button;
}

/** A problem+json error (or a network failure) shown with title, detail and request id. */
export function problemView(error) {
  const p = error && error.problem ? error.problem : { title: 'Request failed', detail: String(error && error.message || error) };
  return h('div', { class: 'problem', role: 'alert' },
    h('strong', {}, p.title || 'Error'), ' ',
    p.status ? h('span', { class: 'status' }, '(' + p.status + (p.code ? ' ' + p.code : '') + ')') : null,
    p.detail ? h('p', {}, p.detail) : null,
    Array.isArray(p.errors) && p.errors.length
      ? h('ul', {}, p.errors.map((e) => h('li', {}, (e.pointer || ('line ' + e.line)) + ': ' + e.detail))) : null,
    p.request_id ? h('p', { class: 'request-id' }, 'Request id: ', h('code', {}, p.request_id), ' ', copyButton(p.request_id)) : null);
}

export function loading(text = 'Loading…') {
  return h('p', { class: 'loading', role: 'status' }, text);
}

export function empty(text) {
  return h('p', { class: 'empty' }, text);
}

/** A labelled form control. */
export function field(label, control) {
  const id = control.id || ('f-' + Math.random().toString(36).slice(2));
  control.id = id;
  return h('label', { for: id, class: 'field' }, h('span', {}, label), control);
}

/** A table from column definitions [{title, value(row) -> Node|string}]. */
export function table(columns, rows, onRow) {
  return h('table', {},
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c.title)))),
    h('tbody', {}, rows.map((row) => {
      const tr = h('tr', {}, columns.map((c) => h('td', {}, c.value(row))));
      if (onRow) {
        tr.tabIndex = 0;
        tr.classList.add('clickable');
        tr.addEventListener('click', () => onRow(row));
        tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') onRow(row); });
      }
      return tr;
    })));
}

/** A definition list of [term, value] pairs. */
export function facts(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter(Boolean).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? '—')]));
}

/** Saves bytes as a file through an object URL (nothing secret goes into a URL). */
export function download(name, blob) {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

export function isoOrEmpty(localValue) {
  return localValue ? new Date(localValue).toISOString() : '';
}
