// app: the service centre's web console. One page; the part after # says
// which view: #/inbox?filters, #/r/TICKET, #/kiosks, #/users, #/audit.
// Everything it shows comes from the admin API (api.js) and goes into the
// page as text (dom.js); it never builds HTML from data.
import { api, ApiError, setCsrf, whenExpired } from './api.js';
import { h, put } from './dom.js';
import { t, lang, setLang, when, ago } from './i18n.js';

const STATUSES = ['new', 'accepted', 'in_progress', 'resolved', 'rejected'];
const NEXT = { new: ['accepted', 'rejected'], accepted: ['in_progress', 'rejected'],
               in_progress: ['resolved', 'rejected'], resolved: [], rejected: [] };
const RANK = { viewer: 1, handler: 2, admin: 3 };
const LIST_LIMIT = 200;
const STALE_S = 300; // a kiosk silent this long is shown as 失联 (heartbeats come every 60 s)

const root = document.getElementById('app');
let me = null;        // {name, role}
let facets = null;    // GET /facets
let idleTimer = null;
let refreshTimer = null;

function can(role) { return me && RANK[me.role] >= RANK[role]; }

function statusBadge(st) {
  return h('span', { class: `badge st-${st}`, 'data-status': st }, t('st_' + st));
}

function label(list, id) {
  const e = (list || []).find((x) => x.id === id);
  const name = e && (lang() === 'en' ? e.en : e.zh);
  return name ? `${name} (${id})` : id;
}

function message(kind, text) {
  return h('p', { class: `msg ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}

function errorText(e) {
  if (e instanceof ApiError && e.status === 0) return t('net_error');
  if (e instanceof ApiError && e.status === 403) return t('forbidden');
  return e.message;
}

// ---- session -----------------------------------------------------------------

function armIdle(seconds) {
  clearTimeout(idleTimer);
  if (seconds > 0) idleTimer = setTimeout(checkSession, (seconds + 2) * 1000);
}

async function checkSession() {
  try {
    const s = await api('GET', '/session');
    armIdle(s.expires_in_s);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) showLogin('expired');
  }
}

whenExpired(() => showLogin('expired'));

function showLogin(why) {
  clearTimeout(idleTimer);
  clearInterval(refreshTimer);
  me = null;
  setCsrf(null);
  const name = h('input', { id: 'login-name', name: 'username', autocomplete: 'username',
                            required: true, maxlength: 32, autocapitalize: 'none' });
  const pw = h('input', { id: 'login-password', name: 'password', type: 'password',
                          autocomplete: 'current-password', required: true, maxlength: 128 });
  const out = h('div', { id: 'login-msg' },
                why === 'expired' ? message('warn', t('expired'))
                : why === 'logout' ? message('ok', t('logged_out')) : null);
  const form = h('form', { class: 'login', id: 'login-form' },
    h('h1', null, t('login_title')),
    h('label', null, t('name'), name),
    h('label', null, t('password'), pw),
    out,
    h('button', { type: 'submit', class: 'primary', id: 'login-submit' }, t('login')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const s = await api('POST', '/session', { name: name.value.trim(), password: pw.value });
      pw.value = '';
      await enter(s);
    } catch (e) {
      pw.value = '';
      put(out, message('error', e.status === 401 ? t('login_failed')
                                : e.status === 429 ? t('login_busy') : errorText(e)));
    }
  });
  put(root, h('div', { class: 'login-page' },
    h('header', { class: 'login-brand' }, h('span', null, t('brand')), ' · ', t('console'),
      langToggle(() => showLogin(why))),
    form));
  name.focus();
}

async function enter(s) {
  me = { name: s.name, role: s.role };
  setCsrf(s.csrf);
  armIdle(s.expires_in_s);
  facets = null;
  if (!location.hash || location.hash === '#' || location.hash === '#/login') location.hash = '#/inbox';
  else route();
}

async function logout() {
  try { await api('DELETE', '/session'); } catch (e) { /* gone already */ }
  showLogin('logout');
}

function langToggle(redraw) {
  return h('button', { class: 'lang', type: 'button', id: 'lang-toggle',
                       lang: lang() === 'en' ? 'zh-Hans' : 'en',
                       onclick: () => { setLang(lang() === 'en' ? 'zh' : 'en'); redraw(); } },
           t('other'));
}

// ---- the frame ---------------------------------------------------------------

function shell(active, ...content) {
  const link = (hash, key, role) => (can(role) ? h('a', {
    href: hash, class: active === key ? 'active' : null, id: `nav-${key}` }, t(key)) : null);
  put(root,
    h('header', { class: 'top' },
      h('div', { class: 'brand' }, t('brand'), h('small', null, t('console'))),
      h('nav', null, link('#/inbox', 'inbox', 'viewer'), link('#/kiosks', 'kiosks', 'viewer'),
        link('#/users', 'users', 'admin'), link('#/audit', 'audit', 'admin')),
      h('div', { class: 'who' },
        h('span', { id: 'me' }, me.name, ' · ', t('role_' + me.role)),
        langToggle(route),
        h('button', { type: 'button', id: 'logout', onclick: logout }, t('logout')))),
    h('main', { id: 'main' }, content));
}

async function loadFacets() {
  if (!facets) facets = await api('GET', '/facets');
  return facets;
}

// ---- inbox -------------------------------------------------------------------

function inboxQuery() {
  const q = new URLSearchParams(location.hash.split('?')[1] || '');
  if (!q.has('status')) q.set('status', 'open');
  return q;
}

function select(id, value, options) {
  return h('select', { id, name: id },
    options.map(([v, text]) => h('option', { value: v, selected: v === value ? true : null }, text)));
}

async function viewInbox() {
  const q = inboxQuery();
  const f = await loadFacets();
  const form = h('form', { class: 'filters', id: 'filters' },
    h('label', null, t('status'), select('f-status', q.get('status'),
      [['open', t('open')], ['', t('all')], ...STATUSES.map((s) => [s, t('st_' + s)])])),
    h('label', null, t('category'), select('f-category', q.get('category') || '',
      [['', t('all')], ...f.categories.map((c) => [c.id, label(f.categories, c.id)])])),
    h('label', null, t('tower'), select('f-tower', q.get('tower') || '',
      [['', t('all')], ...f.towers.map((c) => [c.id, label(f.towers, c.id)])])),
    h('label', null, t('kiosk'), select('f-kiosk', q.get('kiosk') || '',
      [['', t('all')], ...f.kiosks.map((k) => [k, k])])),
    h('label', null, t('assignee'), select('f-assignee', q.get('assignee') || '',
      [['', t('all')], [me.name, t('mine')], ['-', t('nobody')],
       ...f.staff.filter((s) => s.name !== me.name).map((s) => [s.name, s.name])])),
    h('label', { class: 'grow' }, t('search'),
      h('input', { id: 'f-q', type: 'search', value: q.get('q') || '', placeholder: t('search_ph'),
                   maxlength: 100 })),
    h('div', { class: 'buttons' },
      h('button', { type: 'submit', class: 'primary', id: 'f-apply' }, t('apply')),
      h('button', { type: 'button', id: 'f-reset', onclick: () => { location.hash = '#/inbox'; } },
        t('reset'))));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const n = new URLSearchParams();
    for (const k of ['status', 'category', 'tower', 'kiosk', 'assignee', 'q']) {
      const v = form.querySelector(`#f-${k}`).value.trim();
      if (v || k === 'status') n.set(k, v);
    }
    location.hash = '#/inbox?' + n.toString();
  });
  const list = h('div', { id: 'inbox-list' });
  shell('inbox', h('div', { class: 'title-row' }, h('h1', null, t('inbox')),
                   h('button', { type: 'button', id: 'refresh', onclick: () => fill() }, t('refresh'))),
        form, list);

  async function fill() {
    const p = new URLSearchParams();
    for (const [k, v] of q) if (v) p.set(k, v);
    p.set('limit', String(LIST_LIMIT));
    let data;
    try { data = await api('GET', '/requests?' + p.toString()); } catch (e) {
      put(list, message('error', errorText(e)));
      return;
    }
    const rows = data.requests;
    if (!rows.length) { put(list, message('info', t('empty'))); return; }
    put(list,
      h('p', { class: 'count', id: 'count' },
        rows.length >= LIST_LIMIT ? t('count_max', LIST_LIMIT) : t('count', rows.length)),
      h('table', { class: 'grid inbox' },
        h('thead', null, h('tr', null, [t('ticket'), t('status'), t('category'), t('tower'),
          t('company'), t('contact'), t('description'), t('received'), t('assignee')]
          .map((c) => h('th', null, c)))),
        h('tbody', null, rows.map((r) => h('tr', { class: `row st-${r.status}`, 'data-ticket': r.ticket },
          h('td', null, h('a', { href: '#/r/' + encodeURIComponent(r.ticket), class: 'ticket' }, r.ticket)),
          h('td', null, statusBadge(r.status)),
          h('td', null, label(f.categories, r.category)),
          h('td', null, label(f.towers, r.tower)),
          h('td', null, r.company && r.company.name != null ? r.company.name : t('none')),
          h('td', null, r.contact_name != null ? r.contact_name : t('erased')),
          h('td', { class: 'desc' }, h('div', { class: 'clamp' },
            r.description != null ? r.description : t('erased'))),
          h('td', { class: 'nowrap' }, when(r.received_at)),
          h('td', null, r.assignee || t('none')))))));
  }
  await fill();
  clearInterval(refreshTimer);
  refreshTimer = setInterval(() => { if (location.hash.startsWith('#/inbox') || location.hash === '') fill(); }, 30000);
}

// ---- one request -------------------------------------------------------------

async function viewRequest(ticket) {
  const f = await loadFacets();
  let r;
  try { r = await api('GET', '/requests/' + encodeURIComponent(ticket)); } catch (e) {
    shell('inbox', h('a', { href: '#/inbox', class: 'back' }, t('back')), message('error', errorText(e)));
    return;
  }
  const erased = !!r.erased_at;
  const field = (v) => (v === null || v === undefined ? (erased ? t('erased') : t('none')) : v);
  const rows = [
    ['ticket', r.ticket], ['receipt', r.receipt_ticket], ['check', r.check],
    ['status', statusBadge(r.status)], ['category', label(f.categories, r.category)],
    ['tower', label(f.towers, r.tower)],
    ['company', r.company ? `${field(r.company.name)}${r.company.id ? ` (${r.company.id})` : ''}` : t('none')],
    ['contact', field(r.contact_name)], ['phone', field(r.phone)],
    ['description', h('span', { class: 'desc', id: 'r-description' }, field(r.description))],
    ['note', field(r.note)], ['assignee', r.assignee || t('none')], ['kiosk', r.kiosk_id],
    ['lang', r.lang], ['created', when(r.created_at)], ['received', when(r.received_at)],
    ['updated', when(r.updated_at)],
  ].filter(([, v]) => v !== undefined);
  const details = h('dl', { class: 'fields', id: 'r-fields' },
    rows.map(([k, v]) => [h('dt', null, t(k)), h('dd', { 'data-field': k }, v)]));

  const side = h('aside', { class: 'actions' });
  const out = h('div', { id: 'r-msg' });
  if (!can('handler')) {
    side.append(message('info', t('readonly')));
  } else {
    if (NEXT[r.status].length) {
      const st = select('r-new-status', NEXT[r.status][0], NEXT[r.status].map((s) => [s, t('st_' + s)]));
      const note = h('textarea', { id: 'r-note', maxlength: 500, rows: 4, placeholder: t('note_ph') });
      const form = h('form', { id: 'status-form', class: 'box' }, h('h2', null, t('change_status')),
        h('label', null, t('new_status'), st), h('label', null, t('note'), note),
        h('button', { type: 'submit', class: 'primary', id: 'r-save-status' }, t('save_status')));
      form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        try {
          await api('POST', `/requests/${encodeURIComponent(r.ticket)}/status`,
                    { status: st.value, note: note.value.trim() ? note.value.trim() : null });
          await viewRequest(ticket);
          put(document.getElementById('r-msg'), message('ok', t('saved')));
        } catch (e) { put(out, message('error', errorText(e))); }
      });
      side.append(form);
    } else {
      side.append(message('info', t('final')));
    }
    const who = select('r-assignee', r.assignee || '',
      [['', t('nobody')], ...f.staff.map((s) => [s.name, `${s.name} · ${t('role_' + s.role)}`])]);
    const af = h('form', { id: 'assign-form', class: 'box' }, h('h2', null, t('assign')),
      h('label', null, t('assign_to'), who),
      h('button', { type: 'submit', id: 'r-save-assign' }, t('save_assign')));
    af.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        await api('POST', `/requests/${encodeURIComponent(r.ticket)}/assign`,
                  { assignee: who.value || null });
        await viewRequest(ticket);
        put(document.getElementById('r-msg'), message('ok', t('saved')));
      } catch (e) { put(out, message('error', errorText(e))); }
    });
    side.append(af);
  }
  side.append(out);

  const hist = h('table', { class: 'grid', id: 'r-history' },
    h('thead', null, h('tr', null, [t('at'), t('from_to'), t('note'), t('by')].map((c) => h('th', null, c)))),
    h('tbody', null, r.history.map((e) => h('tr', null,
      h('td', { class: 'nowrap' }, when(e.at)),
      h('td', null, e.from ? [statusBadge(e.from), ' → '] : null, statusBadge(e.to)),
      h('td', { class: 'desc' }, e.note != null ? e.note : (erased && e.from ? t('erased') : t('none'))),
      h('td', null, e.by)))));

  shell('inbox',
    h('a', { href: '#/inbox', class: 'back' }, t('back')),
    h('div', { class: 'title-row' }, h('h1', { id: 'r-title' }, r.ticket), statusBadge(r.status)),
    erased ? message('warn', t('erased_note', when(r.erased_at))) : null,
    h('div', { class: 'request' }, h('section', null, details), side),
    h('h2', null, t('history')), hist);
}

// ---- kiosks ------------------------------------------------------------------

async function viewKiosks() {
  const data = await api('GET', '/kiosks');
  const out = h('div', { id: 'k-msg' });
  const now = Date.now();
  const state = (k) => {
    if (k.revoked_at) return ['revoked', t('revoked')];
    if (!k.last_seen) return ['never', t('never')];
    return (now - Date.parse(k.last_seen)) / 1000 > STALE_S ? ['stale', t('stale')] : ['online', t('online')];
  };
  let add = null;
  if (can('admin')) {
    const id = h('input', { id: 'k-id', required: true, maxlength: 32, pattern: '[A-Za-z0-9][A-Za-z0-9_\\-]{0,31}' });
    add = h('form', { class: 'inline box', id: 'kiosk-add' }, h('h2', null, t('add_kiosk')),
      h('label', null, t('kiosk_id'), id), h('button', { type: 'submit', class: 'primary' }, t('add')));
    add.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        const k = await api('POST', '/kiosks', { id: id.value.trim() });
        await viewKiosks();
        put(document.getElementById('k-msg'), h('div', { class: 'msg ok once' }, t('token_once'),
          h('code', { id: 'k-token' }, k.token)));
      } catch (e) { put(out, message('error', errorText(e))); }
    });
  }
  shell('kiosks', h('div', { class: 'title-row' }, h('h1', null, t('kiosks'))), out,
    h('table', { class: 'grid', id: 'kiosk-table' },
      h('thead', null, h('tr', null, [t('kiosk'), t('state'), t('last_seen'), t('version'),
        t('content_version'), t('queue'), t('oldest'), t('net'), t('last_error'),
        can('admin') ? t('actions') : null].filter(Boolean).map((c) => h('th', null, c)))),
      h('tbody', null, data.kiosks.map((k) => {
        const [cls, text] = state(k);
        return h('tr', { 'data-kiosk': k.id },
          h('td', null, k.id), h('td', null, h('span', { class: `badge k-${cls}` }, text)),
          h('td', { class: 'nowrap' }, k.last_seen ? `${when(k.last_seen)} · ${ago(k.last_seen)}` : t('none')),
          h('td', null, k.version || t('none')), h('td', null, k.content_version || t('none')),
          h('td', { class: 'num' }, k.queue_depth ?? t('none')),
          h('td', { class: 'num' }, k.oldest_pending_s != null ? t('seconds', k.oldest_pending_s) : t('none')),
          h('td', null, k.online == null ? t('none') : k.online ? t('yes') : t('no')),
          h('td', null, k.last_error || t('none')),
          can('admin') ? h('td', null, k.revoked_at ? null : h('button', { type: 'button', class: 'danger',
            onclick: async () => {
              if (!confirm(t('revoke_confirm', k.id))) return;
              try { await api('DELETE', '/kiosks/' + encodeURIComponent(k.id)); await viewKiosks(); }
              catch (e) { put(out, message('error', errorText(e))); }
            } }, t('revoke'))) : null);
      }))),
    add);
}

// ---- accounts (admin) --------------------------------------------------------

async function viewUsers() {
  const data = await api('GET', '/users');
  const out = h('div', { id: 'u-msg' });
  const roles = ['viewer', 'handler', 'admin'];
  const once = (name, pw) => put(document.getElementById('u-msg'),
    h('div', { class: 'msg ok once' }, t('pw_once', name), h('code', { id: 'u-password' }, pw)));
  const change = async (name, body) => {
    try {
      const res = await api('PATCH', '/users/' + encodeURIComponent(name), body);
      await viewUsers();
      if (res.password) once(name, res.password);
      else put(document.getElementById('u-msg'), message('ok', t('saved')));
    } catch (e) { put(out, message('error', errorText(e))); }
  };
  const name = h('input', { id: 'u-name', required: true, maxlength: 32, pattern: '[a-z][a-z0-9._\\-]{1,31}',
                            title: t('name_rule') });
  const role = select('u-role', 'handler', roles.map((r) => [r, t('role_' + r)]));
  const add = h('form', { class: 'inline box', id: 'user-add' }, h('h2', null, t('add_user')),
    h('label', null, t('name'), name), h('label', null, t('role'), role),
    h('button', { type: 'submit', class: 'primary' }, t('add')), h('small', null, t('name_rule')));
  add.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const res = await api('POST', '/users', { name: name.value.trim(), role: role.value });
      await viewUsers();
      once(res.name, res.password);
    } catch (e) { put(out, message('error', errorText(e))); }
  });
  shell('users', h('div', { class: 'title-row' }, h('h1', null, t('users'))), out,
    h('table', { class: 'grid', id: 'user-table' },
      h('thead', null, h('tr', null, [t('name'), t('role'), t('state'), t('last_login'), t('account_created'),
        t('actions')].map((c) => h('th', null, c)))),
      h('tbody', null, data.users.map((u) => {
        const rs = select(`role-${u.name}`, u.role, roles.map((r) => [r, t('role_' + r)]));
        return h('tr', { 'data-user': u.name },
          h('td', null, u.name), h('td', null, rs),
          h('td', null, u.disabled_at ? t('disabled')
            : u.locked_until ? `${t('locked_until')} ${when(u.locked_until)}` : t('active')),
          h('td', { class: 'nowrap' }, when(u.last_login)), h('td', { class: 'nowrap' }, when(u.created_at)),
          h('td', { class: 'row-actions' },
            h('button', { type: 'button', onclick: () => change(u.name, { role: rs.value }) }, t('set_role')),
            h('button', { type: 'button', onclick: () => change(u.name, { new_password: true }) }, t('new_pw')),
            u.locked_until ? h('button', { type: 'button', onclick: () => change(u.name, { unlock: true }) }, t('unlock')) : null,
            h('button', { type: 'button', class: u.disabled_at ? null : 'danger',
                          onclick: () => change(u.name, { disabled: !u.disabled_at }) },
              u.disabled_at ? t('enable') : t('disable'))));
      }))),
    add);
}

// ---- audit (admin) -----------------------------------------------------------

async function viewAudit() {
  const body = h('tbody', null);
  const more = h('button', { type: 'button', id: 'audit-older' }, t('older'));
  let before = 0;
  async function page() {
    const data = await api('GET', `/audit?limit=100${before ? `&before=${before}` : ''}`);
    for (const e of data.entries) {
      body.append(h('tr', null, h('td', { class: 'nowrap' }, when(e.at)), h('td', null, e.actor),
        h('td', null, e.action), h('td', null, e.target || t('none')), h('td', null, e.detail || t('none'))));
      before = e.id;
    }
    more.hidden = data.entries.length < 100;
  }
  more.addEventListener('click', page);
  shell('audit', h('div', { class: 'title-row' }, h('h1', null, t('audit'))),
    h('table', { class: 'grid', id: 'audit-table' },
      h('thead', null, h('tr', null, [t('at'), t('actor'), t('action'), t('target'), t('detail')]
        .map((c) => h('th', null, c)))), body), more);
  await page();
}

// ---- routing -----------------------------------------------------------------

async function route() {
  if (!me) return;
  clearInterval(refreshTimer);
  const hash = location.hash || '#/inbox';
  try {
    if (hash.startsWith('#/r/')) await viewRequest(decodeURIComponent(hash.slice(4).split('?')[0]));
    else if (hash.startsWith('#/kiosks')) await viewKiosks();
    else if (hash.startsWith('#/users') && can('admin')) await viewUsers();
    else if (hash.startsWith('#/audit') && can('admin')) await viewAudit();
    else await viewInbox();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return; // sent to the login already
    shell('', message('error', errorText(e)));
  }
}

window.addEventListener('hashchange', route);

async function boot() {
  setLang(lang());
  try {
    const s = await api('GET', '/session');
    await enter(s);
  } catch (e) {
    showLogin(null);
  }
}

boot();
