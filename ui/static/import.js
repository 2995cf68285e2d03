// import.js: the import flow up to the plan: the file, the guessed mapping
// as a table, the live preview of the first rows (importer's Check: the
// dry run's own verdict), and the plan (the dry run).
'use strict';

I18N.add({
  en: {
    'imp.title': 'Import a file',
    'imp.step.file': '1. The file',
    'imp.choose': 'CSV, XLSX or EPP file to import',
    'imp.drop': 'or drop the file here',
    'imp.reading': 'Reading {name} and guessing its columns… ({s} s)',
    'imp.loaded': '{name}: {cols} columns. The mapping below is a guess: check the "Field" of every column.',
    'imp.open': 'Open a mapping file (YAML)',
    'imp.sample': 'Or a sample mapping',
    'imp.sample.none': '— choose a sample —',
    'imp.sample.open': 'Open sample',
    'imp.save': 'Save the mapping (YAML)',
    'imp.step.map': '2. Which column feeds which field',
    'imp.col': 'Column of the file', 'imp.values': 'First values', 'imp.field': 'Field', 'imp.why': 'Why',
    'imp.transform': 'Changes to the value', 'imp.map': 'Value map and default',
    'imp.field.aria': 'Field fed by the column {col}',
    'imp.none': '— not imported —',
    'imp.extra': 'Extra field: {name} ({id})',
    'imp.byhand': 'chosen by hand',
    'imp.transforms.n': '{n} chosen', 'imp.transforms.none': 'none',
    'imp.transforms.aria': 'Changes to the values of {col}',
    'imp.mapvals': 'Map', 'imp.map.n': '{n} values mapped', 'imp.warnings': '{n} value(s) changed on the way',
    'imp.mapvals.aria': 'Value map of {col}: value=API value, separated by ;',
    'imp.mapvals.ph': 'Polska=PL; Niemcy=DE',
    'imp.default': 'Default', 'imp.default.aria': 'Value of {col} when its cell is blank',
    'imp.match': 'Find existing clients by (the first key that finds one decides)',
    'imp.match.none': 'No key is chosen: every row creates a new client.',
    'imp.others': 'Fields made of several columns or fixed values',
    'imp.others.template': 'template {text}', 'imp.others.value': 'always "{text}"',
    'imp.remove': 'Remove', 'imp.remove.aria': 'Remove the field {field}',
    'imp.step.preview': '3. Preview of the first rows (the verdict the import gives them)',
    'imp.preview.updated': 'Preview updated.',
    'imp.row': 'Row', 'imp.status': 'Verdict',
    'imp.step.plan': '4. The plan: what the import would do (a dry run: nothing is sent)',
    'imp.plan.make': 'Make the plan',
    'imp.plan.making': 'Reading the account and checking every row…', 'imp.plan.for': '({s} s)',
    'imp.plan.waiting': 'waiting for {what}', 'imp.plan.until': 'until {time}',
    'imp.plan.stale': 'The mapping changed since this plan was made: make the plan again to see what it does now.',
    'imp.plan.needtoken': 'The plan reads the account: paste the API token at the top of the page first.',
    'imp.plan.rows': '{rows} rows; {requests} requests; {elapsed}.', 'imp.plan.report': 'Download the plan ({name})',
    'imp.plan.byfield': 'By field', 'imp.plan.created': 'set on new clients', 'imp.plan.updated': 'changed on existing clients',
    'imp.plan.invalid': 'Invalid rows by reason',
    'imp.plan.filter.status': 'Status', 'imp.plan.filter.field': 'Field', 'imp.plan.filter.reason': 'Reason contains',
    'imp.plan.all': 'all',
    'imp.plan.matched': '{n} lines match.', 'imp.plan.truncated': 'Only the first {n} lines can be browsed here; the report file has them all.',
    'imp.plan.more': 'Show more',
    'imp.plan.key': 'Found by', 'imp.plan.changes': 'Before → after', 'imp.plan.message': 'Message',
    'imp.plan.new': 'new', 'imp.plan.notread': 'not compared',
    'st.ready': 'ready', 'st.created': 'created', 'st.updated': 'updated', 'st.unchanged': 'unchanged',
    'st.invalid': 'invalid', 'st.failed': 'failed', 'st.conflict': 'conflict', 'st.skipped': 'skipped',
  },
  pl: {
    'imp.title': 'Import pliku',
    'imp.step.file': '1. Plik',
    'imp.choose': 'Plik CSV, XLSX lub EPP do importu',
    'imp.drop': 'albo upuść plik tutaj',
    'imp.reading': 'Czytam {name} i rozpoznaję kolumny… ({s} s)',
    'imp.loaded': '{name}: kolumn {cols}. Poniższe przypisanie to propozycja: sprawdź „Pole” każdej kolumny.',
    'imp.open': 'Otwórz plik przypisań (YAML)',
    'imp.sample': 'Albo przykładowe przypisanie',
    'imp.sample.none': '— wybierz przykład —',
    'imp.sample.open': 'Otwórz przykład',
    'imp.save': 'Zapisz przypisanie (YAML)',
    'imp.step.map': '2. Która kolumna zasila które pole',
    'imp.col': 'Kolumna pliku', 'imp.values': 'Pierwsze wartości', 'imp.field': 'Pole', 'imp.why': 'Dlaczego',
    'imp.transform': 'Zmiany wartości', 'imp.map': 'Zamiana wartości i domyślna',
    'imp.field.aria': 'Pole zasilane kolumną {col}',
    'imp.none': '— nie importuj —',
    'imp.extra': 'Pole dodatkowe: {name} ({id})',
    'imp.byhand': 'wybrane ręcznie',
    'imp.transforms.n': 'wybrano {n}', 'imp.transforms.none': 'brak',
    'imp.transforms.aria': 'Zmiany wartości kolumny {col}',
    'imp.mapvals': 'Zamiana', 'imp.map.n': 'zamian: {n}', 'imp.warnings': 'zmienione wartości: {n}',
    'imp.mapvals.aria': 'Zamiana wartości kolumny {col}: wartość=wartość API, oddzielone ;',
    'imp.mapvals.ph': 'Polska=PL; Niemcy=DE',
    'imp.default': 'Domyślna', 'imp.default.aria': 'Wartość kolumny {col}, gdy komórka jest pusta',
    'imp.match': 'Szukaj istniejących klientów po (decyduje pierwszy klucz, który znajdzie klienta)',
    'imp.match.none': 'Nie wybrano klucza: każdy wiersz utworzy nowego klienta.',
    'imp.others': 'Pola z kilku kolumn lub o stałej wartości',
    'imp.others.template': 'szablon {text}', 'imp.others.value': 'zawsze „{text}”',
    'imp.remove': 'Usuń', 'imp.remove.aria': 'Usuń pole {field}',
    'imp.step.preview': '3. Podgląd pierwszych wierszy (werdykt, jaki da im import)',
    'imp.preview.updated': 'Podgląd odświeżony.',
    'imp.row': 'Wiersz', 'imp.status': 'Werdykt',
    'imp.step.plan': '4. Plan: co zrobiłby import (próba: nic nie jest wysyłane)',
    'imp.plan.make': 'Przygotuj plan',
    'imp.plan.making': 'Czytam konto i sprawdzam każdy wiersz…', 'imp.plan.for': '({s} s)',
    'imp.plan.waiting': 'czekam: {what}', 'imp.plan.until': 'do {time}',
    'imp.plan.stale': 'Przypisanie zmieniło się od przygotowania tego planu: przygotuj plan ponownie, by zobaczyć, co zrobi teraz.',
    'imp.plan.needtoken': 'Plan czyta konto: najpierw wklej token API u góry strony.',
    'imp.plan.rows': 'Wierszy: {rows}; zapytań: {requests}; {elapsed}.', 'imp.plan.report': 'Pobierz plan ({name})',
    'imp.plan.byfield': 'Według pola', 'imp.plan.created': 'ustawione u nowych klientów', 'imp.plan.updated': 'zmienione u istniejących',
    'imp.plan.invalid': 'Błędne wiersze według przyczyny',
    'imp.plan.filter.status': 'Status', 'imp.plan.filter.field': 'Pole', 'imp.plan.filter.reason': 'Przyczyna zawiera',
    'imp.plan.all': 'wszystkie',
    'imp.plan.matched': 'Pasujących wierszy: {n}.', 'imp.plan.truncated': 'Tutaj można przejrzeć tylko pierwsze {n} wierszy; plik raportu ma wszystkie.',
    'imp.plan.more': 'Pokaż więcej',
    'imp.plan.key': 'Znaleziony po', 'imp.plan.changes': 'Przed → po', 'imp.plan.message': 'Komunikat',
    'imp.plan.new': 'nowy', 'imp.plan.notread': 'nie porównano',
    'st.ready': 'gotowy', 'st.created': 'utworzony', 'st.updated': 'zmieniony', 'st.unchanged': 'bez zmian',
    'st.invalid': 'błędny', 'st.failed': 'nieudany', 'st.conflict': 'konflikt', 'st.skipped': 'pominięty',
  },
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
    for (const p of (r.problems[''] || [])) status.append(el('span', { class: 'fix', text: p.text }));
    if (r.status === 'skipped' && r.message) status.append(el('span', { class: 'fix', text: r.message }));
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
    if (out.previewError) showError(out.previewError);
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
  for (const c of l.changes) {
    const before = c.create ? t('imp.plan.new') : (c.known ? `"${c.before}"` : t('imp.plan.notread'));
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
  const td = el('td', { text: [l.code, l.message].filter(Boolean).join(' — ') });
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
        el('td', { text: l.matchKey || '' }),
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
        el('th', { scope: 'col', text: t('imp.plan.message') }))),
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
  api('/api/account').then((acc) => { imp.extra = acc.extraFields; drawMapping(); }).catch(() => { /* the plan says it */ });
});
document.addEventListener('langchange', () => { drawMapping(); drawPreview(); if (imp.plan) drawPlan(imp.plan); });

// The section is built when the script runs (the scripts end the body);
// common.js translates it on DOMContentLoaded.
buildImport();
