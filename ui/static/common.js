// common.js: what every area of the page shares: api(), the strings
// (I18N.add, t), the tabs, the token box and the error banner.
'use strict';

const I18N = {
  lang: 'en',
  strings: { en: {}, pl: {} },
  // add merges an area's strings, each key with its languages side by
  // side, so that a translator sees them together:
  // I18N.add({'imp.title': {en: 'Import a file', pl: 'Import pliku'}}).
  add(entries) {
    for (const [key, langs] of Object.entries(entries)) {
      for (const [lang, s] of Object.entries(langs)) (this.strings[lang] ||= {})[key] = s;
    }
  },
  // set switches the language, remembers it and redraws every labelled node.
  set(lang) {
    this.lang = this.strings[lang] ? lang : 'en';
    try { localStorage.setItem('crmbulk.lang', this.lang); } catch (e) { /* private mode */ }
    document.documentElement.lang = this.lang;
    applyI18n(document);
    document.dispatchEvent(new CustomEvent('langchange', { detail: this.lang }));
  },
};

// t returns the string key in the page's language (English when missing),
// {name} replaced by vars.name.
function t(key, vars) {
  let s = I18N.strings[I18N.lang][key];
  if (s === undefined) s = I18N.strings.en[key];
  if (s === undefined) s = key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] !== undefined ? String(vars[k]) : m));
  return s;
}

// toolWords is text in crmbulk's own words — a run's message, a check's
// problem, an answer of the server — which are English whatever the
// page's language: an element (tag, default span) marked lang="en" that,
// on a page in another language, says first whose words they are.
function toolWords(text, tag = 'span', props = {}) {
  const label = t('tool.label');
  return el(tag, { ...props, lang: 'en' }, label ? el('span', { class: 'tool-label', lang: I18N.lang, text: label + ' ' }) : null, text);
}

// errorNoteText is a run's error in the page's words (the state's
// errorNote: its key and facts); the token's is said for where the page's
// token came from (session.tokenFrom).
function errorNoteText(n) {
  return t(n.key === 'run.err.token' ? n.key + '.' + (session.tokenFrom || 'page') : n.key, n.vars);
}

// toolColumn is the header of a column whose cells are crmbulk's own
// words (toolWords): the column's name (key), and on a page in another
// language whose words they are.
function toolColumn(key) { return t('tool.column', { name: t(key) }); }

// tNode is t(key, vars) as nodes with node in place of {name}: the page's
// words around a node (toolWords) that t would flatten to text.
function tNode(key, vars, name, node) {
  const [before, after = ''] = t(key, vars).split('{' + name + '}');
  return [before, node, after];
}

// applyI18n fills data-i18n (text) and data-i18n-ATTR (an attribute:
// aria-label, placeholder, title) under root.
function applyI18n(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('*')) {
    for (const a of el.getAttributeNames()) {
      if (a.startsWith('data-i18n-')) el.setAttribute(a.slice('data-i18n-'.length), t(el.getAttribute(a)));
    }
  }
}

// ApiError is an answer of the server that is not 2xx: message in words
// with the fix, the field and the row it concerns when known.
class ApiError extends Error {
  constructor(status, body) {
    // An error whose crmbulk words name command line flags comes with the page's (note).
    super(body && body.note ? errorNoteText(body.note) : (body && body.error) || t('err.status', { status }));
    this.tool = status !== 0 && !!(body && body.error) && !(body && body.note); // the server's words (toolWords), not the page's
    this.status = status;
    this.field = body && body.field;
    this.row = body && body.row;
  }
}

// api calls the page's JSON API. options: method, json (a value sent as
// JSON), body (FormData or text), signal. It returns the parsed JSON (or
// the Response when options.raw), and throws ApiError with words.
async function api(path, options = {}) {
  const init = { method: options.method || 'GET', headers: { 'X-Crmbulk-Request': '1' }, credentials: 'same-origin', signal: options.signal };
  if (options.json !== undefined) {
    init.method = options.method || 'POST';
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(options.json);
  } else if (options.body !== undefined) {
    init.method = options.method || 'POST';
    init.body = options.body;
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, { error: t('err.network') });
  }
  if (!res.ok) {
    let body = null;
    try { body = await res.json(); } catch (e) { /* not JSON */ }
    throw new ApiError(res.status, body);
  }
  if (options.raw) return res;
  const ct = res.headers.get('Content-Type') || '';
  return ct.startsWith('application/json') ? res.json() : res.text();
}

// showError puts err (an ApiError, an Error, the page's words or a node)
// in the banner; null hides it.
function showError(err) {
  const box = document.getElementById('error');
  if (!err) { box.hidden = true; box.textContent = ''; return; }
  box.replaceChildren(err instanceof Node ? err : err.tool ? toolWords(err.message) : typeof err === 'string' ? err : err.message);
  box.hidden = false;
}

// el makes an element: el('td', {class: 'x', text: 'y'}, child, ...).
function el(tag, props, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') e.textContent = v;
    else if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k in e && typeof v !== 'string') e[k] = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

// showTab shows the area name ('import', 'run', 'export').
function showTab(name) {
  for (const tab of document.querySelectorAll('[role=tab]')) {
    const on = tab.getAttribute('aria-controls') === name;
    tab.setAttribute('aria-selected', on ? 'true' : 'false');
    tab.tabIndex = on ? 0 : -1;
    document.getElementById(tab.getAttribute('aria-controls')).hidden = !on;
  }
  document.dispatchEvent(new CustomEvent('tabchange', { detail: name }));
}

function setupTabs() {
  const tabs = [...document.querySelectorAll('[role=tab]')];
  tabs.forEach((tab, i) => {
    tab.addEventListener('click', () => showTab(tab.getAttribute('aria-controls')));
    tab.addEventListener('keydown', (e) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
      if (!step) return;
      const next = tabs[(i + step + tabs.length) % tabs.length];
      showTab(next.getAttribute('aria-controls'));
      next.focus();
    });
  });
}

// session is what the server said of the session (token known, from where).
const session = { token: false, tokenFrom: '', workDir: '' };

function drawToken() {
  const status = document.getElementById('token-status');
  status.textContent = session.token ? t('token.set.' + session.tokenFrom) : t('token.none');
  document.getElementById('token-form').hidden = session.token;
  document.getElementById('token-forget').hidden = !(session.token && session.tokenFrom === 'page');
}

async function loadSession() {
  Object.assign(session, await api('/api/session'));
  drawToken();
  document.dispatchEvent(new CustomEvent('session', { detail: session }));
}

function setupToken() {
  document.getElementById('token-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const input = document.getElementById('token-input');
    try {
      Object.assign(session, await api('/api/token', { json: { token: input.value } }));
      input.value = '';
      showError(null);
      drawToken();
      document.dispatchEvent(new CustomEvent('session', { detail: session }));
    } catch (err) { showError(err); input.focus(); }
  });
  document.getElementById('token-forget').addEventListener('click', async () => {
    try {
      Object.assign(session, await api('/api/token', { method: 'DELETE' }));
      drawToken();
    } catch (err) { showError(err); }
  });
}

I18N.add({
  skip: { en: 'Skip to the content', pl: 'Przejdź do treści' },
  areas: { en: 'Areas', pl: 'Obszary' },
  lang: { en: 'Language', pl: 'Język' },
  'tab.import': { en: 'Import', pl: 'Import' },
  'tab.run': { en: 'Run', pl: 'Uruchomienie' },
  'tab.export': { en: 'Export', pl: 'Eksport' },
  'token.label': { en: 'API token', pl: 'Token API' },
  'token.use': { en: 'Use', pl: 'Użyj' },
  'token.forget': { en: 'Forget token', pl: 'Zapomnij token' },
  'token.none': { en: 'No API token yet: paste it here (kept in memory only).', pl: 'Brak tokenu API: wklej go tutaj (tylko w pamięci).' },
  'token.set.env': { en: 'API token: from BASELINKER_TOKEN.', pl: 'Token API: z BASELINKER_TOKEN.' },
  'token.set.file': { en: 'API token: from the token file.', pl: 'Token API: z pliku tokenu.' },
  'token.set.page': { en: 'API token: pasted here, kept in memory only.', pl: 'Token API: wklejony tutaj, tylko w pamięci.' },
  'tool.label': { en: '', pl: '[komunikat crmbulk po angielsku]' },
  'tool.column': { en: '{name}', pl: '{name} (crmbulk, po angielsku)' },
  'err.status': { en: 'The server answered {status}; reload the page.', pl: 'Serwer odpowiedział {status}; odśwież stronę.' },
  'err.network': { en: 'crmbulk ui does not answer: is it still running? Start it again and open the address it prints.', pl: 'crmbulk ui nie odpowiada: czy nadal działa? Uruchom go ponownie i otwórz adres, który wypisze.' },
  // A run's error in the page's words (errorNote): crmbulk's own name command line flags.
  'run.err.token.page': { en: 'The API refused the API token pasted on this page. Click “Forget token” at the top, paste the account’s current API token, then start again.', pl: 'API odrzuciło token API wklejony na tej stronie. Kliknij „Zapomnij token” u góry, wklej aktualny token API konta, a potem uruchom ponownie.' },
  'run.err.token.env': { en: 'The API refused the API token this page was started with (from BASELINKER_TOKEN). This page cannot change it: ask whoever starts crmbulk ui to start it with the account’s current token, then start again.', pl: 'API odrzuciło token API, z którym uruchomiono tę stronę (z BASELINKER_TOKEN). Ta strona nie może go zmienić: poproś osobę, która uruchamia crmbulk ui, o uruchomienie go z aktualnym tokenem konta, a potem uruchom ponownie.' },
  'run.err.token.file': { en: 'The API refused the API token this page was started with (from the token file). This page cannot change it: ask whoever starts crmbulk ui to put the account’s current token in that file and start it again.', pl: 'API odrzuciło token API, z którym uruchomiono tę stronę (z pliku tokenu). Ta strona nie może go zmienić: poproś osobę, która uruchamia crmbulk ui, o wpisanie aktualnego tokenu konta do tego pliku i ponowne uruchomienie.' },
  'run.err.waitedTooLong': { en: 'The API kept the token blocked (or did not answer) for longer than this run waits. Try again later.', pl: 'API blokowało token (lub nie odpowiadało) dłużej, niż ten przebieg czeka. Spróbuj ponownie później.' },
  'run.err.stateDir': { en: 'crmbulk could not write in its state folder {dir}, where it keeps the locks of the runs. That folder must exist and be writable by the user crmbulk ui runs as: make it so (or ask whoever set up crmbulk ui), then start again.', pl: 'crmbulk nie mógł zapisać w swoim folderze stanu {dir}, w którym trzyma blokady przebiegów. Ten folder musi istnieć i być zapisywalny dla użytkownika, jako który działa crmbulk ui: popraw to (lub poproś osobę, która skonfigurowała crmbulk ui), a potem uruchom ponownie.' },
});

document.addEventListener('DOMContentLoaded', () => {
  let lang = null;
  try { lang = localStorage.getItem('crmbulk.lang'); } catch (e) { /* private mode */ }
  if (!lang) lang = (navigator.language || 'en').toLowerCase().startsWith('pl') ? 'pl' : 'en';
  const select = document.getElementById('lang');
  select.value = lang;
  select.addEventListener('change', () => I18N.set(select.value));
  setupTabs();
  setupToken();
  I18N.set(lang);
  loadSession().catch(showError);
});
document.addEventListener('langchange', drawToken);
