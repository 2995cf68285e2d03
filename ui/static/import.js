// import.js: the import flow up to the plan: the file, the guessed mapping
// as a table, the live preview of the first rows (importer's Check: the
// dry run's own verdict), and the plan (the dry run).
'use strict';

I18N.add({
  'imp.title': { en: 'Import a file', pl: 'Import pliku' },
  'imp.step.file': { en: '1. The file', pl: '1. Plik' },
  'imp.choose': { en: 'CSV, XLSX or EPP file to import', pl: 'Plik CSV, XLSX lub EPP do importu' },
  'imp.drop': { en: 'or drop the file here', pl: 'albo upuść plik tutaj' },
  'imp.reading': { en: 'Reading {name} and guessing its columns… ({s} s)', pl: 'Czytam {name} i rozpoznaję kolumny… ({s} s)' },
  'imp.loaded': { en: '{name}: {cols} columns. The mapping below is a guess: check the "Field" of every column.', pl: '{name}: kolumn {cols}. Poniższe przypisanie to propozycja: sprawdź „Pole” każdej kolumny.' },
  'imp.open': { en: 'Open a mapping file (YAML)', pl: 'Otwórz plik przypisań (YAML)' },
  'imp.sample': { en: 'Or a sample mapping', pl: 'Albo przykładowe przypisanie' },
  'imp.sample.none': { en: '— choose a sample —', pl: '— wybierz przykład —' },
  'imp.sample.open': { en: 'Open sample', pl: 'Otwórz przykład' },
  'imp.save': { en: 'Save the mapping (YAML)', pl: 'Zapisz przypisanie (YAML)' },
  'imp.step.map': { en: '2. Which column feeds which field', pl: '2. Która kolumna zasila które pole' },
  'imp.col': { en: 'Column of the file', pl: 'Kolumna pliku' },
  'imp.values': { en: 'First values', pl: 'Pierwsze wartości' },
  'imp.field': { en: 'Field', pl: 'Pole' },
  'imp.why': { en: 'Why', pl: 'Dlaczego' },
  'imp.transform': { en: 'Changes to the value', pl: 'Zmiany wartości' },
  'imp.map': { en: 'Value map and default', pl: 'Zamiana wartości i domyślna' },
  'imp.field.aria': { en: 'Field fed by the column {col}', pl: 'Pole zasilane kolumną {col}' },
  'imp.none': { en: '— not imported —', pl: '— nie importuj —' },
  'imp.extra': { en: 'Extra field: {name} ({id})', pl: 'Pole dodatkowe: {name} ({id})' },
  'imp.byhand': { en: 'chosen by hand', pl: 'wybrane ręcznie' },
  'imp.transforms.n': { en: '{n} chosen', pl: 'wybrano {n}' },
  'imp.transforms.none': { en: 'none', pl: 'brak' },
  'imp.transforms.aria': { en: 'Changes to the values of {col}', pl: 'Zmiany wartości kolumny {col}' },
  'imp.mapvals': { en: 'Map', pl: 'Zamiana' },
  'imp.map.n': { en: '{n} values mapped', pl: 'zamian: {n}' },
  'imp.warnings': { en: '{n} value(s) changed on the way', pl: 'zmienione wartości: {n}' },
  'imp.mapvals.aria': { en: 'Value map of {col}: value=API value, separated by ;', pl: 'Zamiana wartości kolumny {col}: wartość=wartość API, oddzielone ;' },
  'imp.mapvals.ph': { en: 'Polska=PL; Niemcy=DE', pl: 'Polska=PL; Niemcy=DE' },
  'imp.default': { en: 'Default', pl: 'Domyślna' },
  'imp.default.aria': { en: 'Value of {col} when its cell is blank', pl: 'Wartość kolumny {col}, gdy komórka jest pusta' },
  'imp.match': { en: 'Find existing clients by (the first key that finds one decides)', pl: 'Szukaj istniejących klientów po (decyduje pierwszy klucz, który znajdzie klienta)' },
  'imp.match.none': { en: 'No key is chosen: every row creates a new client.', pl: 'Nie wybrano klucza: każdy wiersz utworzy nowego klienta.' },
  'imp.others': { en: 'Fields made of several columns or fixed values', pl: 'Pola z kilku kolumn lub o stałej wartości' },
  'imp.others.template': { en: 'template {text}', pl: 'szablon {text}' },
  'imp.others.value': { en: 'always "{text}"', pl: 'zawsze „{text}”' },
  'imp.remove': { en: 'Remove', pl: 'Usuń' },
  'imp.remove.aria': { en: 'Remove the field {field}', pl: 'Usuń pole {field}' },
  'imp.step.preview': { en: '3. Preview of the first rows (the verdict the import gives them)', pl: '3. Podgląd pierwszych wierszy (werdykt, jaki da im import)' },
  'imp.preview.updated': { en: 'Preview updated.', pl: 'Podgląd odświeżony.' },
  'imp.row': { en: 'Row', pl: 'Wiersz' },
  'imp.status': { en: 'Verdict', pl: 'Werdykt' },
  'imp.step.plan': { en: '4. The plan: what the import would do (a dry run: nothing is sent)', pl: '4. Plan: co zrobiłby import (próba: nic nie jest wysyłane)' },
  'imp.plan.make': { en: 'Make the plan', pl: 'Przygotuj plan' },
  'imp.plan.making': { en: 'Reading the account and checking every row…', pl: 'Czytam konto i sprawdzam każdy wiersz…' },
  'imp.plan.for': { en: '({s} s)', pl: '({s} s)' },
  'imp.plan.waiting': { en: 'waiting for {what}', pl: 'czekam: {what}' },
  'imp.plan.until': { en: 'until {time}', pl: 'do {time}' },
  'imp.plan.stale': { en: 'The mapping changed since this plan was made: make the plan again to see what it does now.', pl: 'Przypisanie zmieniło się od przygotowania tego planu: przygotuj plan ponownie, by zobaczyć, co zrobi teraz.' },
  'imp.plan.needtoken': { en: 'The plan reads the account: paste the API token at the top of the page first.', pl: 'Plan czyta konto: najpierw wklej token API u góry strony.' },
  'imp.plan.rows': { en: '{rows} rows; {requests} requests; {elapsed}.', pl: 'Wierszy: {rows}; zapytań: {requests}; {elapsed}.' },
  'imp.plan.report': { en: 'Download the plan ({name})', pl: 'Pobierz plan ({name})' },
  'imp.plan.byfield': { en: 'By field', pl: 'Według pola' },
  'imp.plan.created': { en: 'set on new clients', pl: 'ustawione u nowych klientów' },
  'imp.plan.updated': { en: 'changed on existing clients', pl: 'zmienione u istniejących' },
  'imp.plan.invalid': { en: 'Invalid rows by reason', pl: 'Błędne wiersze według przyczyny' },
  'imp.plan.filter.status': { en: 'Status', pl: 'Status' },
  'imp.plan.filter.field': { en: 'Field', pl: 'Pole' },
  'imp.plan.filter.reason': { en: 'Reason contains', pl: 'Przyczyna zawiera' },
  'imp.plan.all': { en: 'all', pl: 'wszystkie' },
  'imp.plan.matched': { en: '{n} lines match.', pl: 'Pasujących wierszy: {n}.' },
  'imp.plan.truncated': { en: 'Only the first {n} lines can be browsed here; the report file has them all.', pl: 'Tutaj można przejrzeć tylko pierwsze {n} wierszy; plik raportu ma wszystkie.' },
  'imp.plan.more': { en: 'Show more', pl: 'Pokaż więcej' },
  'imp.plan.key': { en: 'Found by', pl: 'Znaleziony po' },
  'imp.plan.changes': { en: 'Before → after', pl: 'Przed → po' },
  'imp.plan.message': { en: 'Message', pl: 'Komunikat' },
  'imp.plan.new': { en: 'new', pl: 'nowy' },
  'imp.plan.notread': { en: 'not compared', pl: 'nie porównano' },
  'st.ready': { en: 'ready', pl: 'gotowy' },
  'st.created': { en: 'created', pl: 'utworzony' },
  'st.updated': { en: 'updated', pl: 'zmieniony' },
  'st.unchanged': { en: 'unchanged', pl: 'bez zmian' },
  'st.invalid': { en: 'invalid', pl: 'błędny' },
  'st.failed': { en: 'failed', pl: 'nieudany' },
  'st.conflict': { en: 'conflict', pl: 'konflikt' },
  'st.skipped': { en: 'skipped', pl: 'pominięty' },
});

const imp = {
  file: null, header: [], samples: [], notes: {}, doc: null, preview: null,
  fields: [], transforms: [], matchKeys: [], extra: [], plan: null, planOffset: 0, seq: 0,
};

// fieldLabel names a doc field for people: "email", "Extra field: Loyalty (15)".
function fieldLabel(f) {
  if (f.startsWith('extra:')) {
    const id = f.slice(6);
    const x = imp.extra.find((e) => String(e.id) === id);
    return t('imp.extra', { name: x ? x.name : '?', id });
  }
  return f;
}

function fieldOf(header) {
  return imp.doc.fields.find((f) => (f.columns || []).includes(header));
}

// setColumnField makes header feed field ('' = nothing): the column leaves
// the field it fed; a field another column fed now reads this one.
function setColumnField(header, field) {
  for (const f of imp.doc.fields) {
    if (f.columns) f.columns = f.columns.filter((c) => c !== header);
  }
  imp.doc.fields = imp.doc.fields.filter((f) => (f.columns && f.columns.length) || f.template || f.hasValue);
  if (!field) return;
  const f = imp.doc.fields.find((x) => x.field === field);
  if (f) {
    Object.assign(f, { columns: [header], template: '', hasValue: false, value: '', reason: 'chosen by hand' });
  } else {
    imp.doc.fields.push({ field, columns: [header], reason: 'chosen by hand' });
  }
}

// redraw draws the mapping table again and gives the focus back to the
// control that changed (by id), its folding box kept open.
function redraw(focusId) {
  drawMapping();
  const c = focusId && document.getElementById(focusId);
  if (!c) return;
  const box = c.closest('details');
  if (box && c.tagName !== 'SUMMARY') box.open = true;
  c.focus();
}

// redrawStale draws the table again after drop-down changes, once the
// focus has left the drop-down, and gives the focus to where it went.
function redrawStale(e) {
  if (!imp.stale) return;
  imp.stale = false;
  const to = e.relatedTarget && e.relatedTarget.id;
  redraw(to && document.getElementById('imp-mapping').contains(e.relatedTarget) ? to : null);
}

function reasonText(r) { return r === 'chosen by hand' ? t('imp.byhand') : r; }

function fieldSelect(i, header, current) {
  const sel = el('select', { id: 'map-field-' + i, 'aria-label': t('imp.field.aria', { col: header }), 'data-col': header });
  sel.append(el('option', { value: '', text: t('imp.none') }));
  for (const f of imp.fields) sel.append(el('option', { value: f.name, text: f.name }));
  for (const x of imp.extra) sel.append(el('option', { value: 'extra:' + x.id, text: t('imp.extra', { name: x.name, id: x.id }) }));
  if (current && ![...sel.options].some((o) => o.value === current)) sel.append(el('option', { value: current, text: fieldLabel(current) }));
  sel.value = current || '';
  // The table is drawn again when the focus leaves the drop-down, not at
  // each change: typing a field's name in it (each letter a change) keeps
  // working. The preview follows every change.
  sel.addEventListener('change', () => { setColumnField(header, sel.value); imp.stale = true; schedulePreview(); });
  return sel;
}

function transformControl(i, header, f) {
  const chosen = f.transform || [];
  const box = el('details', { class: 'transforms' },
    el('summary', { id: 'tr-sum-' + i, text: chosen.length ? t('imp.transforms.n', { n: chosen.length }) + ': ' + chosen.join(', ') : t('imp.transforms.none'),
      'aria-label': t('imp.transforms.aria', { col: header }) }));
  for (const name of imp.transforms) {
    const id = `tr-${i}-${name}`;
    const cb = el('input', { type: 'checkbox', id, checked: chosen.includes(name) });
    cb.addEventListener('change', () => {
      const cur = (f.transform || []).filter((x) => x !== name);
      if (cb.checked) cur.push(name);
      f.transform = cur;
      redraw(id); schedulePreview();
    });
    box.append(el('div', {}, cb, el('label', { for: id, text: ' ' + name })));
  }
  return box;
}

function mapText(f) { return (f.map || []).map(([k, v]) => `${k}=${v}`).join('; '); }

function mapControl(i, header, f) {
  const n = (f.map || []).length;
  const sum = n || f.default ? [n ? t('imp.map.n', { n }) : '', f.default ? t('imp.default') + ': ' + f.default : ''].filter(Boolean).join('; ')
    : t('imp.transforms.none');
  const mapIn = el('input', { type: 'text', id: 'map-vals-' + i, value: mapText(f), placeholder: t('imp.mapvals.ph'), size: 22,
    'aria-label': t('imp.mapvals.aria', { col: header }) });
  mapIn.addEventListener('change', () => {
    f.map = mapIn.value.split(';').map((p) => p.split('=')).filter((p) => p.length === 2 && p[0].trim())
      .map(([k, v]) => [k.trim(), v.trim()]);
    schedulePreview();
  });
  const defIn = el('input', { type: 'text', id: 'map-def-' + i, value: f.default || '', size: 6, 'aria-label': t('imp.default.aria', { col: header }) });
  defIn.addEventListener('change', () => { f.default = defIn.value.trim(); schedulePreview(); });
  return el('details', { class: 'mapctl' },
    el('summary', { id: 'map-sum-' + i, text: sum, 'aria-label': t('imp.mapvals.aria', { col: header }) }),
    el('div', {}, el('label', { for: 'map-vals-' + i, text: t('imp.mapvals') + ' ' }), mapIn),
    el('div', {}, el('label', { for: 'map-def-' + i, text: t('imp.default') + ' ' }), defIn));
}

function drawMatch() {
  const box = document.getElementById('imp-match');
  box.replaceChildren(el('legend', { text: t('imp.match') }));
  for (const k of imp.matchKeys) {
    const id = 'match-' + k;
    const cb = el('input', { type: 'checkbox', id, checked: imp.doc.matchBy.includes(k) });
    cb.addEventListener('change', () => {
      imp.doc.matchBy = imp.doc.matchBy.filter((x) => x !== k);
      if (cb.checked) imp.doc.matchBy.push(k);
      drawMatch(); schedulePreview();
    });
    box.append(el('span', { class: 'check' }, cb, el('label', { for: id, text: ' ' + k })));
  }
  if (!imp.doc.matchBy.length) box.append(el('p', { class: 'note', text: t('imp.match.none') }));
}

function drawOthers() {
  const list = document.getElementById('imp-others');
  const others = imp.doc.fields.filter((f) => !(f.columns && f.columns.length));
  list.replaceChildren();
  document.getElementById('imp-others-box').hidden = !others.length;
  for (const f of others) {
    const what = f.template ? t('imp.others.template', { text: f.template }) : t('imp.others.value', { text: f.value });
    const rm = el('button', { type: 'button', text: t('imp.remove'), 'aria-label': t('imp.remove.aria', { field: fieldLabel(f.field) }) });
    rm.addEventListener('click', () => { imp.doc.fields = imp.doc.fields.filter((x) => x !== f); drawMapping(); schedulePreview(); });
    list.append(el('li', {}, el('strong', { text: fieldLabel(f.field) }), ': ' + what + ' ', rm));
  }
}

function drawMapping() {
  if (!imp.doc) return;
  const body = document.querySelector('#imp-mapping tbody');
  body.replaceChildren();
  imp.header.forEach((h, i) => {
    const f = fieldOf(h);
    const why = f ? reasonText(f.reason || '') : (imp.notes[h] || '');
    const vals = (imp.samples[i] || []).join(' · ');
    body.append(el('tr', { class: f ? '' : 'unused' },
      el('th', { scope: 'row', text: h || '(' + (i + 1) + ')' }),
      el('td', { class: 'samples', text: vals, title: vals }),
      el('td', {}, fieldSelect(i, h, f ? f.field : '')),
      el('td', { class: 'why', text: why }),
      el('td', {}, f ? transformControl(i, h, f) : ''),
      el('td', {}, f ? mapControl(i, h, f) : '')));
  });
  drawMatch();
  drawOthers();
}

function cellOf(row, field) {
  const probs = row.problems[field];
  const td = el('td', { class: probs ? 'bad' : '', text: row.cells[field] || '' });
  if (probs) {
    td.setAttribute('aria-invalid', 'true');
    td.title = probs.map((p) => p.text).join('\n');
    for (const p of probs) td.append(el('span', { class: 'fix', text: p.fix }));
  }
  return td;
}

function drawPreview() {
  const p = imp.preview;
  const table = document.getElementById('imp-preview');
  if (!p) { table.hidden = true; return; }
  table.hidden = false;
  const head = el('tr', {}, el('th', { scope: 'col', text: t('imp.row') }), el('th', { scope: 'col', text: t('imp.status') }));
  for (const f of p.fields) {
    const src = imp.doc.fields.find((x) => x.field === f);
    const cols = src && src.columns && src.columns.length ? src.columns.join(', ') : (src && src.template) || '';
    head.append(el('th', { scope: 'col', 'data-field': f }, fieldLabel(f), el('span', { class: 'src', text: cols })));
  }
  const body = el('tbody');
  for (const r of p.rows) {
    const status = el('td', { class: 'status-' + r.status }, t('st.' + r.status));
    for (const p of (r.problems[''] || [])) status.append(el('span', { class: 'fix', lang: 'en', text: p.text }));
    if (r.status === 'skipped' && r.message) status.append(el('span', { class: 'fix', lang: 'en', text: r.message }));
    if (r.warnings) status.append(warningsBox(r.warnings));
    const tr = el('tr', { 'data-row': r.row }, el('th', { scope: 'row', text: r.row }), status);
    for (const f of p.fields) tr.append(cellOf(r, f));
    body.append(tr);
  }
  table.replaceChildren(el('thead', {}, head), body);
}

// markPlanStale says, above a plan made before the mapping changed, that
// it is the old mapping's.
function markPlanStale() {
  const box = document.getElementById('imp-plan');
  if (!imp.plan || document.getElementById('imp-plan-stale')) return;
  box.prepend(el('p', { id: 'imp-plan-stale', class: 'stale', role: 'status', text: t('imp.plan.stale') }));
}

let previewTimer = null;
// schedulePreview asks for the preview of the mapping as it is now, once
// the person stops changing it for a moment; an older answer never
// overwrites a newer one.
function schedulePreview() {
  markPlanStale();
  clearTimeout(previewTimer);
  previewTimer = setTimeout(async () => {
    const seq = ++imp.seq;
    try {
      const p = await api('/api/import/preview', { json: imp.doc });
      if (seq !== imp.seq) return;
      imp.preview = p;
      showError(null);
      drawPreview();
      document.getElementById('imp-preview-status').textContent = t('imp.preview.updated');
    } catch (err) {
      if (seq === imp.seq) showError(err);
    }
  }, 120);
}

function showImport(view) {
  imp.file = view.file; imp.header = view.header; imp.samples = view.samples; imp.notes = view.notes || {};
  imp.doc = view.doc; imp.preview = view.preview || null; imp.plan = null;
  document.getElementById('imp-loaded').textContent = t('imp.loaded', { name: view.file.name, cols: view.header.length });
  for (const id of ['imp-map-box', 'imp-preview-box', 'imp-plan-box']) document.getElementById(id).hidden = false;
  document.getElementById('imp-save').disabled = false;
  document.getElementById('imp-plan').replaceChildren();
  drawMapping();
  drawPreview();
  if (!imp.preview) schedulePreview();
}

async function uploadFile(file) {
  const form = new FormData();
  form.append('file', file, file.name);
  const status = document.getElementById('imp-loaded');
  const started = Date.now();
  const tick = () => { status.textContent = t('imp.reading', { name: file.name, s: Math.round((Date.now() - started) / 1000) }); };
  tick();
  const timer = setInterval(tick, 1000);
  try {
    showError(null);
    const view = await api('/api/import/upload', { body: form });
    clearInterval(timer);
    showImport(view);
  } catch (err) {
    clearInterval(timer);
    status.textContent = '';
    showError(err);
  }
}

async function openMapping(promise) {
  try {
    const out = await promise;
    showError(null);
    if (!imp.header.length) { showError(t('imp.choose')); return; }
    imp.doc = out.doc;
    imp.preview = out.preview || null;
    drawMapping();
    drawPreview();
    if (out.previewError) showError(toolWords(out.previewError));
  } catch (err) { showError(err); }
}

async function saveMapping() {
  try {
    const res = await api('/api/import/yaml', { json: imp.doc, raw: true });
    const blob = await res.blob();
    const a = el('a', { href: URL.createObjectURL(blob), download: 'mapping.yaml' });
    document.body.append(a);
    a.click();
    a.remove();
  } catch (err) { showError(err); }
}

// ---- the plan ----

function countList(counts) {
  const ul = el('ul', { class: 'counts', id: 'imp-plan-counts' });
  for (const [k, v] of Object.entries(counts).sort((a, b) => b[1] - a[1])) {
    ul.append(el('li', { class: 'status-' + k, 'data-status': k }, `${t('st.' + k)}: `, el('strong', { text: String(v) })));
  }
  return ul;
}

function byFieldTable(s) {
  const names = [...new Set([...Object.keys(s.created), ...Object.keys(s.updated)])].sort();
  const body = el('tbody');
  for (const f of names) {
    body.append(el('tr', { 'data-field': f }, el('th', { scope: 'row', text: f }),
      el('td', { text: String(s.created[f] || 0) }), el('td', { text: String(s.updated[f] || 0) })));
  }
  return el('table', { id: 'imp-plan-fields', class: 'compact' },
    el('caption', { text: t('imp.plan.byfield') }),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: t('imp.field') }),
      el('th', { scope: 'col', text: t('imp.plan.created') }), el('th', { scope: 'col', text: t('imp.plan.updated') }))), body);
}

function filterBar(s) {
  const st = el('select', { id: 'plan-status' }, el('option', { value: '', text: t('imp.plan.all') }));
  for (const k of Object.keys(s.counts)) st.append(el('option', { value: k, text: t('st.' + k) }));
  const fl = el('select', { id: 'plan-field' }, el('option', { value: '', text: t('imp.plan.all') }));
  for (const f of s.fields) fl.append(el('option', { value: f, text: f }));
  const rs = el('input', { type: 'search', id: 'plan-reason', size: 16 });
  const reload = () => { imp.planOffset = 0; loadPlanLines(false); };
  st.addEventListener('change', reload);
  fl.addEventListener('change', reload);
  let timer = null;
  rs.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(reload, 200); });
  return el('div', { class: 'row filters' },
    el('label', { for: 'plan-status', text: t('imp.plan.filter.status') }), st,
    el('label', { for: 'plan-field', text: t('imp.plan.filter.field') }), fl,
    el('label', { for: 'plan-reason', text: t('imp.plan.filter.reason') }), rs);
}

function changesCell(l) {
  const td = el('td', { class: 'changes' });
  // The line's one JSON (crmbulk import --format json): before is absent
  // for a create, and for a field not compared (not_compared says why).
  for (const c of l.changes || []) {
    const before = c.before !== undefined ? `"${c.before}"` : (c.not_compared ? t('imp.plan.notread') : t('imp.plan.new'));
    td.append(el('div', {}, el('strong', { text: c.field }), `: ${before} → "${c.after}"`));
  }
  return td;
}

// warningsBox folds a line's warnings ("row 2, column …; row 2, …") into
// one line that opens.
function warningsBox(text) {
  const ws = text.split('; row ').map((w, i) => (i ? 'row ' + w : w));
  const box = el('details', { class: 'warn' }, el('summary', { text: t('imp.warnings', { n: ws.length }) }));
  for (const w of ws) box.append(el('div', { text: w }));
  return box;
}

function messageCell(l) {
  const td = el('td', { lang: 'en', text: [l.error_code, l.error_message].filter(Boolean).join(' — ') });
  if (l.warnings) td.append(warningsBox(l.warnings));
  return td;
}

async function loadPlanLines(append) {
  const q = new URLSearchParams({
    status: document.getElementById('plan-status').value,
    field: document.getElementById('plan-field').value,
    reason: document.getElementById('plan-reason').value,
    offset: String(imp.planOffset),
  });
  try {
    const out = await api('/api/import/plan/lines?' + q);
    const body = document.querySelector('#imp-plan-lines tbody');
    if (!append) body.replaceChildren();
    for (const l of out.lines) {
      body.append(el('tr', { 'data-row': l.row, 'data-status': l.status },
        el('th', { scope: 'row', text: String(l.row) }),
        el('td', { class: 'status-' + l.status, text: t('st.' + l.status) }),
        el('td', { text: l.match_key || '' }),
        changesCell(l),
        messageCell(l)));
    }
    imp.planOffset = out.offset + out.lines.length;
    document.getElementById('imp-plan-matched').textContent = t('imp.plan.matched', { n: out.matched });
    document.getElementById('imp-plan-more').hidden = imp.planOffset >= out.matched;
  } catch (err) { showError(err); }
}

function drawPlan(s) {
  const box = document.getElementById('imp-plan');
  const invalid = el('ul', { class: 'groups' });
  for (const g of s.invalid) invalid.append(el('li', { text: `${g.reason}: ${g.count} (${t('imp.row').toLowerCase()} ${g.row})` }));
  const more = el('button', { type: 'button', id: 'imp-plan-more', text: t('imp.plan.more'), hidden: true });
  more.addEventListener('click', () => loadPlanLines(true));
  box.replaceChildren(...[
    el('p', { id: 'imp-plan-summary' }, t('imp.plan.rows', s) + ' ',
      el('a', { href: '/api/import/plan/report', download: s.reportName, text: t('imp.plan.report', { name: s.reportName }) })),
    countList(s.counts),
    el('div', { class: 'row top' }, byFieldTable(s),
      s.invalid.length ? el('div', {}, el('h3', { text: t('imp.plan.invalid') }), invalid) : null),
    filterBar(s),
    el('p', { id: 'imp-plan-matched', class: 'note', role: 'status' }),
    s.truncated ? el('p', { class: 'note', text: t('imp.plan.truncated', { n: s.kept }) }) : null,
    el('div', { class: 'table-wrap' }, el('table', { id: 'imp-plan-lines' },
      el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: t('imp.row') }), el('th', { scope: 'col', text: t('imp.status') }),
        el('th', { scope: 'col', text: t('imp.plan.key') }), el('th', { scope: 'col', text: t('imp.plan.changes') }),
        el('th', { scope: 'col', text: toolColumn('imp.plan.message') }))),
      el('tbody'))),
    more].filter(Boolean));
  imp.planOffset = 0;
  loadPlanLines(false);
}

// progressText says a plan's last run event: the phase, how far, what
// it waits for and until when.
function progressText(p) {
  let s = p.phase || '';
  if (p.done) s += p.total > 0 ? ` ${p.done}/${p.total} ${p.unit}` : ` ${p.done} ${p.unit}`;
  if (p.waiting) {
    s += ' — ' + t('imp.plan.waiting', { what: p.waiting });
    if (p.until) s += ' ' + t('imp.plan.until', { time: new Date(p.until).toLocaleTimeString(I18N.lang) });
  }
  return s ? '(' + s + ')' : '';
}

async function makePlan() {
  const btn = document.getElementById('imp-plan-btn');
  const status = document.getElementById('imp-plan-status');
  if (!session.token) { showError(t('imp.plan.needtoken')); document.getElementById('token-input').focus(); return; }
  btn.disabled = true;
  const started = Date.now();
  let said = '';
  const tick = () => {
    status.textContent = [t('imp.plan.making'), said, t('imp.plan.for', { s: Math.round((Date.now() - started) / 1000) })].filter(Boolean).join(' ');
  };
  tick();
  const timer = setInterval(async () => {
    try {
      const res = await api('/api/import/plan/progress', { raw: true });
      if (res.status === 200) said = progressText(await res.json());
    } catch (e) { /* the plan's own answer says what went wrong */ }
    tick();
  }, 700);
  try {
    showError(null);
    imp.plan = await api('/api/import/plan', { json: imp.doc });
    status.textContent = '';
    drawPlan(imp.plan);
    document.dispatchEvent(new CustomEvent('importplan', { detail: imp.plan }));
  } catch (err) {
    status.textContent = '';
    showError(err);
  } finally { btn.disabled = false; clearInterval(timer); }
}

// ---- the section ----

function buildImport() {
  const sec = document.getElementById('import');
  const file = el('input', { id: 'imp-file', type: 'file', accept: '.csv,.tsv,.txt,.xlsx,.xlsm,.epp' });
  file.addEventListener('change', () => { if (file.files.length) uploadFile(file.files[0]); });
  const drop = el('div', { class: 'drop', id: 'imp-drop' },
    el('label', { for: 'imp-file', 'data-i18n': 'imp.choose' }), ' ', file, ' ', el('span', { class: 'note', 'data-i18n': 'imp.drop' }));
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault(); drop.classList.remove('over');
    if (e.dataTransfer.files.length) uploadFile(e.dataTransfer.files[0]);
  });

  const mapFile = el('input', { id: 'imp-mapfile', type: 'file', accept: '.yaml,.yml' });
  mapFile.addEventListener('change', () => {
    if (!mapFile.files.length) return;
    const form = new FormData();
    form.append('mapping', mapFile.files[0], mapFile.files[0].name);
    openMapping(api('/api/import/mapping', { body: form }));
    mapFile.value = '';
  });
  const sample = el('select', { id: 'imp-sample' }, el('option', { value: '', 'data-i18n': 'imp.sample.none' }));
  const sampleBtn = el('button', { type: 'button', id: 'imp-sample-open', 'data-i18n': 'imp.sample.open' });
  sampleBtn.addEventListener('click', () => { if (sample.value) openMapping(api('/api/import/sample', { json: { name: sample.value } })); });
  const save = el('button', { type: 'button', id: 'imp-save', 'data-i18n': 'imp.save', disabled: true });
  save.addEventListener('click', saveMapping);

  const planBtn = el('button', { type: 'button', id: 'imp-plan-btn', class: 'primary', 'data-i18n': 'imp.plan.make' });
  planBtn.addEventListener('click', makePlan);

  sec.append(
    el('h2', { 'data-i18n': 'imp.title' }),
    el('h3', { 'data-i18n': 'imp.step.file' }),
    drop,
    el('p', { id: 'imp-loaded', role: 'status' }),
    el('div', { class: 'row' },
      el('label', { for: 'imp-mapfile', 'data-i18n': 'imp.open' }), mapFile,
      el('label', { for: 'imp-sample', 'data-i18n': 'imp.sample' }), sample, sampleBtn, save),
    el('div', { id: 'imp-map-box', hidden: true },
      el('h3', { 'data-i18n': 'imp.step.map' }),
      el('fieldset', { id: 'imp-match', class: 'match' }),
      el('div', { class: 'table-wrap' }, el('table', { id: 'imp-mapping', onfocusout: redrawStale },
        el('thead', {}, el('tr', {},
          el('th', { scope: 'col', 'data-i18n': 'imp.col' }), el('th', { scope: 'col', 'data-i18n': 'imp.values' }),
          el('th', { scope: 'col', 'data-i18n': 'imp.field' }), el('th', { scope: 'col', 'data-i18n': 'imp.why' }),
          el('th', { scope: 'col', 'data-i18n': 'imp.transform' }), el('th', { scope: 'col', 'data-i18n': 'imp.map' }))),
        el('tbody'))),
      el('div', { id: 'imp-others-box', hidden: true }, el('h3', { 'data-i18n': 'imp.others' }), el('ul', { id: 'imp-others' }))),
    el('div', { id: 'imp-preview-box', hidden: true },
      el('h3', { 'data-i18n': 'imp.step.preview' }),
      el('p', { id: 'imp-preview-status', class: 'visually-hidden', role: 'status' }),
      el('div', { class: 'table-wrap' }, el('table', { id: 'imp-preview', class: 'preview' }))),
    el('div', { id: 'imp-plan-box', hidden: true },
      el('h3', { 'data-i18n': 'imp.step.plan' }),
      el('div', { class: 'row' }, planBtn, el('span', { id: 'imp-plan-status', role: 'status', class: 'note' })),
      el('div', { id: 'imp-plan' })));

  api('/api/import/fields').then((out) => {
    imp.fields = out.fields; imp.transforms = out.transforms; imp.matchKeys = out.matchKeys;
    drawMapping();
  }).catch(showError);
  api('/api/import/samples').then((out) => {
    for (const n of out.samples) sample.append(el('option', { value: n, text: n }));
  }).catch(showError);
}

// The account's extra fields join the drop-downs once a token is known.
document.addEventListener('session', () => {
  if (!session.token) return;
  api('/api/account').then((acc) => { imp.extra = acc.extra_fields; drawMapping(); }).catch(() => { /* the plan says it */ });
});
document.addEventListener('langchange', () => { drawMapping(); drawPreview(); if (imp.plan) drawPlan(imp.plan); });

// The section is built when the script runs (the scripts end the body);
// common.js translates it on DOMContentLoaded.
buildImport();
