// run.js: the steps after the plan — fix invalid cells into a corrected
// copy, run the import with live progress (stop, resume), its report, and
// its undo.
'use strict';

I18N.add({
  'fix.title': { en: 'Fix invalid rows', pl: 'Popraw błędne wiersze' },
  'fix.go': { en: 'Fix the invalid rows in place ({n})', pl: 'Popraw błędne wiersze na miejscu ({n})' },
  'fix.none': { en: 'No row of {file} is invalid: every row can be sent.', pl: 'Żaden wiersz pliku {file} nie jest błędny: można wysłać wszystkie.' },
  'fix.some': { en: 'Invalid rows in {file}: {n}. Nothing is sent for them. Type the right value in a cell; the fixes go to a corrected copy beside the file (the file itself is never changed), and the plan is made again of the copy.', pl: 'Błędne wiersze w {file}: {n}. Nic z nich nie zostanie wysłane. Wpisz właściwą wartość w komórce; poprawki trafią do poprawionej kopii obok pliku (sam plik nigdy się nie zmienia), a plan zostanie zrobiony od nowa z kopii.' },
  'fix.more': { en: 'The first {shown} of them are listed.', pl: 'Poniżej pierwsze {shown} z nich.' },
  'fix.row': { en: 'Row', pl: 'Wiersz' },
  'fix.column': { en: 'Column', pl: 'Kolumna' },
  'fix.value': { en: 'Value', pl: 'Wartość' },
  'fix.problem': { en: 'Problem', pl: 'Problem' },
  'fix.cell': { en: 'New value of row {row}, column {column}', pl: 'Nowa wartość: wiersz {row}, kolumna {column}' },
  'fix.constant': { en: 'set by the mapping, not the file: change the mapping', pl: 'ustawia to mapowanie, nie plik: zmień mapowanie' },
  'fix.save': { en: 'Save the fixes and plan again', pl: 'Zapisz poprawki i zrób plan od nowa' },
  'fix.saved': { en: 'Cells fixed: {n}, in {file}.', pl: 'Poprawione komórki: {n}, w pliku {file}.' },
  'fix.copy': { en: 'The corrected copy:', pl: 'Poprawiona kopia:' },
  'fix.copy.csv': { en: 'The copy is UTF-8 with a byte order mark (crmbulk and Excel read it so, whatever the mapping\'s encoding says); the delimiter and every other cell are kept; quoting and line ends are made plain; rows above the header are left empty.', pl: 'Kopia jest w UTF-8 ze znacznikiem BOM (crmbulk i Excel czytają ją tak, bez względu na kodowanie podane w przypisaniu); separator i wszystkie pozostałe komórki zostają bez zmian; cudzysłowy i końce wierszy są ujednolicone; wiersze nad nagłówkiem zostają puste.' },
  'fix.copy.xlsx': { en: 'The copy holds one sheet with the cells\' text as crmbulk reads it (the same values the import reads): other sheets, formatting, formulas and cell types (numbers, dates) are not kept; rows above the header are left empty.', pl: 'Kopia ma jeden arkusz z tekstem komórek tak, jak czyta go crmbulk (te same wartości, które czyta import): inne arkusze, formatowanie, formuły i typy komórek (liczby, daty) nie zostają zachowane; wiersze nad nagłówkiem zostają puste.' },
  'fix.unchanged': { en: 'Change a cell first: no value differs from the file.', pl: 'Najpierw zmień komórkę: żadna wartość nie różni się od pliku.' },
  'fix.nofile': { en: 'Choose a file in the Import tab first.', pl: 'Najpierw wybierz plik na karcie Import.' },
  'run.title': { en: 'Run the import', pl: 'Uruchom import' },
  'run.file': { en: 'File: {file}', pl: 'Plik: {file}' },
  'run.start': { en: 'Start the import', pl: 'Rozpocznij import' },
  'run.stop': { en: 'Stop', pl: 'Zatrzymaj' },
  'run.resume': { en: 'Resume', pl: 'Wznów' },
  'run.progress': { en: 'Progress', pl: 'Postęp' },
  'run.newest': { en: 'Run {asked} had been resumed already (run {of}), so this resume goes on from run {of}, the newest run of this import: nothing either sent is sent again.', pl: 'Uruchomienie {asked} było już wznowione (uruchomienie {of}), więc to wznowienie idzie dalej od uruchomienia {of}, najnowszego w tym imporcie: nic, co wysłały, nie zostanie wysłane ponownie.' },
  'run.already': { en: 'This import is already running (run {id}, started by an earlier click or in another tab): its progress is shown below. Nothing new was started.', pl: 'Ten import już trwa (uruchomienie {id}, rozpoczęte wcześniejszym kliknięciem lub w innej karcie): poniżej widać jego postęp. Nic nowego nie zostało uruchomione.' },
  'run.state.running': { en: 'Running', pl: 'Trwa' },
  'run.state.stopping': { en: 'Stopping: the requests already sent finish, nothing new is sent…', pl: 'Zatrzymywanie: wysłane już żądania się kończą, nic nowego nie jest wysyłane…' },
  'run.state.stopped': { en: 'Stopped. Resume goes on from where it stopped (the rows done are kept).', pl: 'Zatrzymano. Wznowienie zacznie tam, gdzie skończył (zrobione wiersze zostają).' },
  'run.state.done': { en: 'Finished.', pl: 'Zakończono.' },
  'run.state.failed': { en: 'Did not finish:', pl: 'Nie zakończono:' },
  'run.done': { en: '{done} of {total} {unit}', pl: '{done} z {total} ({unit})' },
  'run.done.nototal': { en: '{done} {unit}', pl: '{done} ({unit})' },
  'run.rate': { en: '{rate} {unit} a minute', pl: '{rate} na minutę ({unit})' },
  'run.eta': { en: 'about {eta} left', pl: 'zostało około {eta}' },
  'run.elapsed': { en: '{elapsed} so far', pl: 'trwa już {elapsed}' },
  'run.took': { en: 'took {elapsed}', pl: 'trwało {elapsed}' },
  'run.requests': { en: '{n} requests', pl: 'żądań: {n}' },
  'run.waiting': { en: 'Waiting: {what}', pl: 'Czeka: {what}' },
  'run.until': { en: 'until {time}', pl: 'do {time}' },
  // Notes crmbulk says with the command line's flags (run.Keyed), in the page's words.
  'run.encoding': { en: '{file} is not UTF-8: it is read as {encoding}, whose letters make sense of it. If letters look wrong in the report, save the file as UTF-8 and import it again.', pl: 'Plik {file} nie jest w UTF-8: jest czytany jako {encoding}, w którym jego litery mają sens. Jeśli litery w raporcie wyglądają źle, zapisz plik jako UTF-8 i zaimportuj go ponownie.' },
  'run.inDoubt': { en: 'Rows in doubt: {rows}. The run that stopped sent them and got no usable answer; a create still running on the server may land until {until}, so those rows are looked up then — not sent again — and the other rows go first.', pl: 'Niepewne wiersze: {rows}. Przerwany import wysłał je i nie dostał użytecznej odpowiedzi; tworzenie klienta wciąż trwające na serwerze może się zakończyć do {until}, więc te wiersze zostaną wtedy wyszukane — nie wysłane ponownie — a pozostałe wiersze idą pierwsze.' },
  'run.lookupLost': { en: 'Row {row}: the create’s answer was lost and the server may still be making the client, so the row is looked up at {until} — not sent again before.', pl: 'Wiersz {row}: odpowiedź na utworzenie klienta przepadła, a serwer może jeszcze tworzyć klienta, więc wiersz zostanie wyszukany o {until} — do tego czasu nie będzie wysłany ponownie.' },
  'run.undoInDoubt': { en: 'Input row {row}: the create the interrupted undo sent may still land until {until}; the row is looked up then, not sent again.', pl: 'Wiersz pliku {row}: tworzenie klienta wysłane przez przerwane cofanie może się zakończyć do {until}; wiersz zostanie wtedy wyszukany, nie wysłany ponownie.' },
  'run.phase': { en: 'Now: {phase}', pl: 'Teraz: {phase}' },
  'run.summary': { en: 'Summary', pl: 'Podsumowanie' },
  'report.title': { en: 'Report', pl: 'Raport' },
  'report.undo.title': { en: 'Report of the undo', pl: 'Raport cofnięcia' },
  'report.filter': { en: 'Show lines', pl: 'Pokaż wiersze' },
  'report.all': { en: 'all ({n})', pl: 'wszystkie ({n})' },
  'report.csv': { en: 'Download the report (CSV)', pl: 'Pobierz raport (CSV)' },
  'report.xlsx': { en: 'Download the report (XLSX)', pl: 'Pobierz raport (XLSX)' },
  'report.row': { en: 'Row', pl: 'Wiersz' },
  'report.status': { en: 'Status', pl: 'Status' },
  'report.reason': { en: 'Reason', pl: 'Przyczyna' },
  'report.changes': { en: 'Changes', pl: 'Zmiany' },
  'report.id': { en: 'Client ID', pl: 'ID klienta' },
  'report.more': { en: 'Show more lines', pl: 'Pokaż więcej wierszy' },
  'report.shown': { en: '{shown} of {n} lines shown', pl: 'pokazano {shown} z {n}' },
  'report.empty': { en: 'No line has this status.', pl: 'Żaden wiersz nie ma tego statusu.' },
  'undo.title': { en: 'Undo', pl: 'Cofnij' },
  'undo.start': { en: 'Undo this import…', pl: 'Cofnij ten import…' },
  'undo.ask': { en: 'Undo the import of {file}? Clients it created ({created}) are deleted, and clients it changed ({updated}) get their values from before again — unless someone changed a client since (then it is left, and the undo\'s report says so).', pl: 'Cofnąć import pliku {file}? Utworzeni przez niego klienci ({created}) zostaną usunięci, a zmienieni ({updated}) odzyskają wartości sprzed importu — chyba że ktoś od tego czasu zmienił klienta (wtedy zostaje, a raport cofnięcia to mówi).' },
  'undo.yes': { en: 'Yes, undo it', pl: 'Tak, cofnij' },
  'undo.no': { en: 'Cancel', pl: 'Anuluj' },
  'status.created': { en: 'created', pl: 'utworzony' },
  'status.updated': { en: 'updated', pl: 'zmieniony' },
  'status.unchanged': { en: 'unchanged', pl: 'bez zmian' },
  'status.invalid': { en: 'invalid', pl: 'błędny' },
  'status.failed': { en: 'failed', pl: 'nieudany' },
  'status.conflict': { en: 'conflict', pl: 'konflikt' },
  'status.skipped': { en: 'skipped', pl: 'pominięty' },
  'status.deleted': { en: 'deleted', pl: 'usunięty' },
  'status.restored': { en: 'restored', pl: 'przywrócony' },
  'phase.import': { en: 'importing the rows', pl: 'import wierszy' },
  'phase.undo': { en: 'undoing the lines', pl: 'cofanie linii' },
  'unit.rows': { en: 'rows', pl: 'wiersze' },
  'unit.clients': { en: 'clients', pl: 'klienci' },
  'unit.lines': { en: 'lines', pl: 'linie' },
  'unit.pages': { en: 'pages', pl: 'strony' },
});

const RunStep = (() => {
  const sec = document.getElementById('run');
  // asking: a start or resume was sent and its answer has not come yet
  // (its buttons stay disabled: a double-click sends one request);
  // note: what is said of the run answered while it goes (its words' key
  // and values): it was already running, or a resume went on from the
  // newest run of its import instead of the run asked.
  // saved: the last fixes saved (the words of fix.saved, and the copy's kind).
  const state = { file: null, fixes: null, saved: null, run: null, undo: null, focusFix: false, asking: false, note: null };

  // --- fixing invalid cells ---------------------------------------------
  const fixBox = el('div', { id: 'fix' });
  const fixIntro = el('p', { id: 'fix-intro', role: 'status' });
  const fixTable = el('table', { id: 'fix-table' });
  const fixSave = el('button', { type: 'button', id: 'fix-save', class: 'primary', 'data-i18n': 'fix.save', onclick: saveFixes });
  const fixNote = el('p', { id: 'fix-note', class: 'note', role: 'status' });
  fixBox.append(el('h2', { 'data-i18n': 'fix.title' }), fixIntro,
    el('div', { class: 'table-wrap', id: 'fix-wrap' }, fixTable), el('div', { class: 'row' }, fixSave), fixNote);

  // --- the run ----------------------------------------------------------
  const runFile = el('p', { id: 'run-file' });
  const startBtn = el('button', { type: 'button', id: 'run-start', class: 'primary', 'data-i18n': 'run.start', onclick: startRun });
  const stopBtn = el('button', { type: 'button', id: 'run-stop', 'data-i18n': 'run.stop',
    onclick: () => { if (state.run && state.run.state === 'running') post(`/api/runs/${state.run.id}/stop`); } });
  const resumeBtn = el('button', { type: 'button', id: 'run-resume', 'data-i18n': 'run.resume', onclick: resumeRun });
  const runNote = el('p', { id: 'run-note', class: 'note', role: 'status', hidden: true });
  const runProgress = progressView('run-progress');

  // --- the report and the undo ----------------------------------------------
  const report = reportView('report', 'report.title');
  const undoBtn = el('button', { type: 'button', id: 'undo-start', 'data-i18n': 'undo.start', onclick: askUndo });
  const undoText = el('p', { id: 'undo-ask' });
  const undoDialog = el('dialog', { id: 'undo-dialog', 'aria-labelledby': 'undo-ask' }, undoText,
    el('div', { class: 'row' },
      el('button', { type: 'button', id: 'undo-yes', class: 'primary danger', 'data-i18n': 'undo.yes', onclick: undoRun }),
      el('button', { type: 'button', id: 'undo-no', 'data-i18n': 'undo.no', onclick: () => undoDialog.close() })));
  const undoProgress = progressView('undo-progress');
  const undoReport = reportView('undo-report', 'report.undo.title');
  const undoBox = el('div', { id: 'undo', hidden: true }, el('h2', { 'data-i18n': 'undo.title' }),
    el('div', { class: 'row' }, undoBtn), undoDialog, undoProgress.root, undoReport.root);

  sec.append(fixBox,
    el('h2', { 'data-i18n': 'run.title' }), runFile,
    el('div', { class: 'row' }, startBtn, stopBtn, resumeBtn), runNote,
    runProgress.root, report.root, undoBox);

  // post sends a state-changing request; errors go to the banner.
  async function post(path, json) {
    try {
      showError(null);
      return await api(path, { json: json || {} });
    } catch (err) { showError(err); return null; }
  }

  // --- fixing ---------------------------------------------------------------
  async function loadFixes() {
    try {
      drawFixes(await api('/api/fix/problems'));
    } catch (err) {
      state.file = null;
      fixIntro.textContent = err.status === 400 ? t('fix.nofile') : err.message;
      fixTable.replaceChildren();
      fixSave.hidden = true;
      drawRun();
    }
  }

  function drawFixes(ans) {
    state.file = ans.file;
    state.fixes = ans;
    fixIntro.textContent = ans.invalid === 0 ? t('fix.none', { file: ans.file.name })
      : t('fix.some', { n: ans.invalid, file: ans.file.name }) + (ans.rows.length < ans.invalid ? ' ' + t('fix.more', { shown: ans.rows.length }) : '');
    fixSave.hidden = ans.invalid === 0;
    if (state.saved && state.saved.file !== ans.file.name) state.saved = null; // another file's
    if (state.saved) fixNote.textContent = t('fix.saved', state.saved) + ' ' + t('fix.copy.' + state.saved.copy);
    else if (ans.invalid > 0 && ans.copy) fixNote.textContent = t('fix.copy') + ' ' + t('fix.copy.' + ans.copy);
    document.getElementById('fix-wrap').hidden = ans.invalid === 0;
    const head = el('thead', null, el('tr', null, ...['fix.row', 'fix.column', 'fix.value'].map((k) => el('th', { scope: 'col', text: t(k) })),
      el('th', { scope: 'col', text: toolColumn('fix.problem') })));
    const body = el('tbody');
    for (const r of ans.rows) {
      r.problems.forEach((p, i) => {
        const tr = el('tr', { 'data-row': r.row });
        if (i === 0) tr.append(el('th', { scope: 'row', rowspan: r.problems.length, text: String(r.row) }));
        tr.append(el('td', { text: p.column || p.field }));
        const cell = el('td', { class: 'bad' });
        if (p.column && p.column in r.cells) {
          cell.append(el('input', { type: 'text', value: r.cells[p.column], 'data-row': r.row, 'data-column': p.column,
            'data-was': r.cells[p.column], 'aria-label': t('fix.cell', { row: r.row, column: p.column }), size: 24,
            onkeydown: (e) => { if (e.key === 'Enter') { e.preventDefault(); saveFixes(); } } }));
        } else {
          cell.append(el('span', { text: (p.value || '') + ' — ' + t('fix.constant') }));
        }
        tr.append(cell, el('td', { lang: 'en' }, el('span', { text: p.text }), p.hint && !p.text.includes(p.hint) ? el('span', { class: 'fix', text: p.hint }) : null));
        body.append(tr);
      });
    }
    fixTable.replaceChildren(head, body);
    drawRun();
    if (state.focusFix) {
      state.focusFix = false;
      const first = fixTable.querySelector('input[data-row]');
      if (first) first.focus();
    }
  }

  async function saveFixes() {
    const fixes = [];
    const seen = new Set();
    for (const input of fixTable.querySelectorAll('input[data-row]')) {
      const key = input.dataset.row + '\u0000' + input.dataset.column;
      if (seen.has(key) || input.value === input.dataset.was) continue;
      seen.add(key);
      fixes.push({ row: Number(input.dataset.row), column: input.dataset.column, value: input.value });
    }
    if (fixes.length === 0) { showError(t('fix.unchanged')); return; }
    fixSave.disabled = true;
    try {
      showError(null);
      const ans = await api('/api/fix', { json: { file: state.file && state.file.id, fixes } });
      state.focusFix = ans.invalid > 0; // the next cell to fix, or else the run
      state.saved = { n: ans.fixed, file: ans.file.name, copy: ans.copy };
      drawFixes(ans);
      if (ans.invalid === 0) startBtn.focus();
      // The import flow (import.js) makes its plan again, of the corrected copy.
      document.dispatchEvent(new CustomEvent('inputchange', { detail: ans.file }));
      if (typeof imp === 'object' && typeof makePlan === 'function') {
        imp.file = ans.file;
        makePlan();
      }
    } catch (err) {
      showError(err);
      const bad = err.row && fixTable.querySelector(`input[data-row="${err.row}"]`);
      if (bad) bad.focus();
    } finally { fixSave.disabled = false; }
  }

  // offerFixes puts a way to the fixes under a plan with invalid rows.
  function offerFixes(plan) {
    const box = document.getElementById('imp-plan');
    const n = plan && plan.counts ? plan.counts.invalid || 0 : 0;
    if (!box || n === 0) return;
    const go = el('button', { type: 'button', id: 'imp-plan-fix', class: 'primary', text: t('fix.go', { n }),
      onclick: () => {
        state.focusFix = true; // once the rows are drawn (loadFixes)
        showTab('run');
      } });
    box.prepend(el('p', { class: 'row' }, go));
  }

  // --- the run ------------------------------------------------------------------
  function drawRun() {
    const v = state.run;
    const had = document.activeElement;
    const going = v && (v.state === 'running' || v.state === 'stopping');
    runFile.textContent = state.file ? t('run.file', { file: state.file.name }) : t('fix.nofile');
    startBtn.disabled = !state.file || going || state.asking;
    resumeBtn.disabled = state.asking;
    runNote.hidden = !(state.note && going); // said while it goes: its end says the rest
    runNote.textContent = runNote.hidden ? '' : t(state.note.key, state.note.vals);
    stopBtn.hidden = !going;
    // Not disabled while stopping: a disabled button drops the focus.
    stopBtn.setAttribute('aria-disabled', String(!v || v.state !== 'running'));
    resumeBtn.hidden = !(v && v.resumable && v.kind === 'import');
    const u = state.undo;
    undoBox.hidden = !(v && !going && (v.counts.created || v.counts.updated));
    undoBtn.disabled = !!(u && (u.state === 'running' || u.state === 'stopping' || u.state === 'done'));
    // The focus follows the step a keyboard user is at: a control that
    // went away hands it to the one that took its place.
    if ((had === startBtn || had === resumeBtn) && (had.disabled || had.hidden) && !stopBtn.hidden) stopBtn.focus();
    else if (had === stopBtn && stopBtn.hidden) (resumeBtn.hidden ? startBtn : resumeBtn).focus();
  }

  function startRun() { begin(startBtn, '/api/runs', { file: state.file && state.file.id }); }

  function resumeRun() { begin(resumeBtn, `/api/runs/${state.run.id}/resume`); }

  // begin asks the server to start (or resume) an import with the button
  // btn, disabled from the click to the answer, and follows the run it
  // answers: a new one, or the one of the same plan already running (a
  // click in another tab), which is said, not shown as a failure.
  async function begin(btn, path, json) {
    if (state.asking) return;
    const focused = document.activeElement === btn;
    state.asking = true;
    drawRun();
    let v = null;
    try { v = await post(path, json); } finally { state.asking = false; }
    if (v) follow(v, 'run');
    if (v && v.already) state.note = { key: 'run.already', vals: { id: v.id } };
    else if (v && v.insteadOf) state.note = { key: 'run.newest', vals: { asked: v.insteadOf, of: v.of } };
    drawRun();
    // Disabled, the button may have dropped the focus: it goes to Stop
    // while the run goes, else back to the button.
    if (focused && document.activeElement === document.body) (stopBtn.hidden ? btn : stopBtn).focus();
  }

  // follow shows a run's events as they come: which is 'run' or 'undo'.
  function follow(v, which) {
    state[which] = v;
    const view = which === 'run' ? runProgress : undoProgress;
    const rep = which === 'run' ? report : undoReport;
    rep.clear();
    if (which === 'run') { state.undo = null; state.note = null; undoProgress.clear(); undoReport.clear(); }
    view.draw(v);
    drawRun();
    const es = new EventSource(`/api/runs/${v.id}/events`);
    es.addEventListener('state', (e) => {
      const now = JSON.parse(e.data);
      state[which] = now;
      view.draw(now);
      drawRun();
      if (now.state !== 'running' && now.state !== 'stopping') {
        es.close();
        rep.load(now);
      }
    });
    es.onerror = () => { if (es.readyState === EventSource.CLOSED) showError(t('err.network')); };
  }

  // --- progress ------------------------------------------------------------------
  function progressView(id) {
    const root = el('div', { id, class: 'progress', role: 'status', 'aria-live': 'polite', hidden: true });
    const stateLine = el('p', { class: 'run-state' });
    const bar = el('progress', { 'data-i18n-aria-label': 'run.progress', 'aria-label': t('run.progress') });
    const numbers = el('p', { class: 'run-numbers' });
    const waiting = el('p', { class: 'run-waiting' });
    const counts = el('ul', { class: 'counts' });
    const messages = el('ul', { class: 'run-messages note' });
    const summary = el('pre', { class: 'run-summary' });
    root.append(stateLine, bar, numbers, waiting, counts, messages, summary);
    return {
      root,
      clear() { root.hidden = true; },
      draw(v) {
        root.hidden = false;
        root.dataset.state = v.state;
        stateLine.replaceChildren(el('strong', { text: t('run.state.' + v.state) }));
        // An error whose crmbulk words name command line flags is said in the page's.
        if (v.errorNote) stateLine.append(' ', el('span', { class: 'run-error page-error', role: 'alert', text: errorNoteText(v.errorNote) }));
        else if (v.error) stateLine.append(' ', toolWords(v.error, 'span', { class: 'run-error', role: 'alert' }));
        const unit = t('unit.' + (v.unit || 'rows'));
        if (v.total > 0) { bar.max = v.total; bar.value = Math.min(v.done, v.total); } else { bar.removeAttribute('value'); }
        bar.hidden = !(v.state === 'running' || v.state === 'stopping');
        const parts = [];
        // The phases of lines have the page's words; the others (reading the
        // clients, checking a report …) are named by crmbulk.
        if (v.phase && !bar.hidden) {
          parts.push(v.phase === 'import' || v.phase === 'undo' ? t('run.phase', { phase: t('phase.' + v.phase) }) : el('span', null, ...tNode('run.phase', null, 'phase', toolWords(v.phase))));
        }
        parts.push(v.total > 0 ? t('run.done', { done: v.done, total: v.total, unit }) : t('run.done.nototal', { done: v.done, unit }));
        const going = v.state === 'running' || v.state === 'stopping';
        if (going && v.ratePerMinute > 0) parts.push(t('run.rate', { rate: Math.round(v.ratePerMinute), unit }));
        if (going && v.etaSeconds > 0) parts.push(t('run.eta', { eta: duration(v.etaSeconds) }) + (v.etaWhy ? ` (${v.etaWhy})` : ''));
        parts.push(t(going ? 'run.elapsed' : 'run.took', { elapsed: duration(v.elapsedSeconds) }), t('run.requests', { n: v.requests }));
        numbers.replaceChildren(...parts.flatMap((p, i) => (i ? [' · ', p] : [p])));
        waiting.replaceChildren(...(v.waiting ? tNode('run.waiting', null, 'what', toolWords(v.waiting)) : []),
          v.waiting && v.until ? ' ' + t('run.until', { time: new Date(v.until).toLocaleTimeString(I18N.lang) }) : '');
        waiting.hidden = !v.waiting;
        const order = (v.statuses || []).concat(Object.keys(v.counts || {}).filter((st) => !(v.statuses || []).includes(st)));
        counts.replaceChildren(...order.map((st) => [st, (v.counts || {})[st]]).filter(([, n]) => n > 0).map(([st, n]) =>
          el('li', { class: 'status-' + st, 'data-status': st, text: `${t('status.' + st)}: ${n}` })));
        messages.replaceChildren(...(v.notes || []).map(keyedNote), ...(v.messages || []).map((m) => toolWords(m, 'li')));
        summary.replaceChildren(v.summary ? toolWords(v.summary) : '');
        summary.hidden = !v.summary;
      },
    };
  }

  // keyedNote is a note of the run in the page's words: its key's text
  // with its facts, a time said in the page's time.
  function keyedNote(n) {
    const vars = { ...(n.vars || {}) };
    if (vars.until) vars.until = new Date(vars.until).toLocaleTimeString(I18N.lang);
    return el('li', { class: 'page-note', text: t(n.key, vars) });
  }

  // duration says seconds for people: 45 s, 3 min 20 s, 1 h 5 min.
  function duration(s) {
    s = Math.round(s);
    if (s < 60) return `${s} s`;
    if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
    return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  }

  // --- the report ---------------------------------------------------------------------
  function reportView(id, titleKey) {
    const root = el('div', { id, class: 'report', hidden: true });
    const title = el('h2', { 'data-i18n': titleKey, text: t(titleKey) });
    const filter = el('select', { id: id + '-status' });
    const csv = el('a', { id: id + '-csv', class: 'button', 'data-i18n': 'report.csv', download: '' });
    const xlsx = el('a', { id: id + '-xlsx', class: 'button', 'data-i18n': 'report.xlsx', download: '' });
    const table = el('table', { id: id + '-table' });
    const shown = el('p', { class: 'note', role: 'status' });
    const more = el('button', { type: 'button', 'data-i18n': 'report.more', onclick: () => page(false) });
    root.append(title, el('div', { class: 'row' }, el('label', { for: filter.id, 'data-i18n': 'report.filter', text: t('report.filter') }), filter, csv, xlsx),
      el('div', { class: 'table-wrap' }, table), shown, more);
    let run = null; let lines = []; let matched = 0; let asked = 0; let counts = {};
    filter.addEventListener('change', () => page(true));

    // page loads the next lines (fresh: the first, for the filter now); an
    // answer to a request that a later one replaced is dropped.
    async function page(fresh) {
      if (fresh) lines = [];
      const mine = ++asked;
      const q = new URLSearchParams({ offset: lines.length, limit: 100 });
      if (filter.value) q.set('status', filter.value);
      try {
        const p = await api(`/api/runs/${run.id}/report?${q}`);
        if (mine !== asked) return;
        lines = lines.concat(p.lines);
        matched = p.matched;
        if (fresh) { counts = p.counts; drawFilter(counts); }
        drawLines();
      } catch (err) { showError(err); }
    }

    function drawFilter(counts) {
      const keep = filter.value;
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      filter.replaceChildren(el('option', { value: '', text: t('report.all', { n: total }) }),
        ...Object.entries(counts).map(([st, n]) => el('option', { value: st, text: `${t('status.' + st)} (${n})` })));
      filter.value = keep in counts ? keep : '';
    }

    function drawLines() {
      const head = el('thead', null, el('tr', null, ...['report.row', 'report.status', 'report.id', 'report.reason', 'report.changes'].map((k) =>
        el('th', { scope: 'col', text: k === 'report.reason' ? toolColumn(k) : t(k) }))));
      const body = el('tbody', null, ...lines.map((l) => el('tr', { 'data-row': l.row, 'data-status': l.status },
        el('td', { text: String(l.row) }),
        el('td', { class: 'status-' + l.status, text: t('status.' + l.status) }),
        el('td', { text: l.crm_client_id ? String(l.crm_client_id) : '' }),
        el('td', { lang: 'en', text: [l.error_code, l.error_message, l.warnings, l.note].filter(Boolean).join(' — ') }),
        el('td', { class: 'changes', text: changesText(l.changes) }))));
      table.replaceChildren(head, body);
      shown.textContent = lines.length === 0 ? t('report.empty') : t('report.shown', { shown: lines.length, n: matched });
      more.hidden = lines.length >= matched;
    }

    return {
      root,
      clear() { root.hidden = true; run = null; },
      load(v) {
        run = v;
        if (!v.report || v.state === 'failed' && !v.summary) { root.hidden = true; return; }
        root.hidden = false;
        csv.href = `/api/runs/${v.id}/report.csv`;
        xlsx.href = `/api/runs/${v.id}/report.xlsx`;
        filter.value = '';
        page(true);
      },
      redraw() { if (run && !root.hidden) { drawFilter(counts); drawLines(); } },
    };
  }

  // --- the undo -------------------------------------------------------------------------------
  function askUndo() {
    undoText.textContent = t('undo.ask', { file: state.run.file, created: state.run.counts.created || 0, updated: state.run.counts.updated || 0 });
    undoDialog.showModal();
    document.getElementById('undo-no').focus();
  }

  async function undoRun() {
    undoDialog.close();
    const v = await post(`/api/runs/${state.run.id}/undo`, { confirm: true });
    if (v) follow(v, 'undo');
  }

  // A new plan (import.js) lists its invalid rows here to fix: read when
  // the tab is shown next (never redrawn under the person's typing).
  let stale = true;
  document.addEventListener('importplan', (e) => {
    offerFixes(e.detail);
    stale = true;
    if (!sec.hidden) { stale = false; loadFixes(); }
  });
  const edited = () => [...fixTable.querySelectorAll('input[data-row]')].some((i) => i.value !== i.dataset.was);
  document.addEventListener('tabchange', (e) => {
    if (e.detail === 'run' && (stale || !edited())) { stale = false; loadFixes(); }
  });
  document.addEventListener('langchange', () => {
    if (state.fixes) drawFixes(state.fixes);
    if (state.run) { runProgress.draw(state.run); report.redraw(); }
    if (state.undo) { undoProgress.draw(state.undo); undoReport.redraw(); }
    drawRun();
  });
  // A page loaded again finds its runs: the newest import (and its undo)
  // is shown, followed if it still goes.
  document.addEventListener('session', async () => {
    if (state.run) return;
    try {
      const { runs } = await api('/api/runs');
      const imp = runs.find((r) => r.kind === 'import');
      if (!imp) return;
      follow(imp, 'run');
      const u = runs.find((r) => r.kind === 'undo' && r.of === imp.id);
      if (u) follow(u, 'undo');
    } catch (err) { showError(err); }
  }, { once: true });
  drawRun();
  return { refresh: loadFixes };
})();

// changesText is a line's changes as the report's changes column says
// them: field: "before" → "after", or field: "after" when nothing was
// read before (a create, a field not compared).
function changesText(changes) {
  return (changes || []).map((c) => `${c.field}: ${c.before !== undefined ? `"${c.before}" → ` : ''}"${c.after}"`).join('; ');
}
