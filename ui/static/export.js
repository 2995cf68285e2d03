// export.js: the export flow — filters (the status by its name), columns,
// notes and extra fields with the time the limit makes them take, format,
// the export with its live progress and the download, and the nightly
// command lines for the same choices.
'use strict';

I18N.add({
  'exp.title': { en: 'Export clients', pl: 'Eksport klientów' },
  'exp.which': { en: 'Which clients', pl: 'Którzy klienci' },
  'exp.status': { en: 'Status', pl: 'Status' },
  'exp.status.all': { en: 'Every client', pl: 'Wszyscy klienci' },
  'exp.filter': { en: 'Also filter by', pl: 'Dodatkowy filtr' },
  'exp.filter.none': { en: '(nothing else)', pl: '(bez filtra)' },
  'exp.filter.value': { en: 'Value', pl: 'Wartość' },
  'exp.columns': { en: 'Columns', pl: 'Kolumny' },
  'exp.columns.default': { en: 'The default columns (every field, status name after status ID)', pl: 'Kolumny domyślne (wszystkie pola, nazwa statusu po jego ID)' },
  'exp.columns.choose': { en: 'Choose the columns and their order', pl: 'Wybierz kolumny i ich kolejność' },
  'exp.columns.order': { en: 'Order of the chosen columns', pl: 'Kolejność wybranych kolumn' },
  'exp.columns.none': { en: 'No column chosen yet: tick the columns above.', pl: 'Nie wybrano jeszcze kolumn: zaznacz je powyżej.' },
  'exp.up': { en: 'Move {name} up', pl: 'Przesuń {name} w górę' },
  'exp.down': { en: 'Move {name} down', pl: 'Przesuń {name} w dół' },
  'exp.details': { en: 'Notes and extra fields', pl: 'Notatki i pola dodatkowe' },
  'exp.notes': { en: 'Notes (one request per client)', pl: 'Notatki (jedno zapytanie na klienta)' },
  'exp.extras': { en: 'Extra fields (from the list when it carries them, else one request per client)', pl: 'Pola dodatkowe (z listy, gdy je zawiera, inaczej jedno zapytanie na klienta)' },
  'exp.estimate.none': { en: 'No request per client: the list is read 100 clients a request.', pl: 'Bez zapytań na klienta: lista jest czytana po 100 klientów na zapytanie.' },
  'exp.estimate.counting': { en: 'Counting the clients the filters select…', pl: 'Liczę klientów wybranych przez filtry…' },
  'exp.estimate': { en: 'About {time} for {clients} clients: one request per client at the limit of {limit} a minute.', pl: 'Około {time} dla {clients} klientów: jedno zapytanie na klienta przy limicie {limit} na minutę.' },
  'exp.estimate.atMost': { en: 'At most about {time} for {clients} clients: one request per client at the limit of {limit} a minute, none if the list carries the extra fields.', pl: 'Najwyżej ok. {time} dla {clients} klientów: jedno zapytanie na klienta przy limicie {limit} na minutę, żadne, jeśli lista zawiera pola dodatkowe.' },
  'exp.format': { en: 'Format', pl: 'Format' },
  'exp.format.xlsx': { en: 'XLSX (Excel workbook; keeps every value)', pl: 'XLSX (skoroszyt Excela; zachowuje każdą wartość)' },
  'exp.format.csv': { en: 'CSV (UTF-8, comma)', pl: 'CSV (UTF-8, przecinek)' },
  'exp.format.excel': { en: 'CSV for Excel (semicolon, values kept as text)', pl: 'CSV dla Excela (średnik, wartości jako tekst)' },
  'exp.name': { en: 'File name ({date} becomes today’s date)', pl: 'Nazwa pliku ({date} to dzisiejsza data)' },
  'exp.start': { en: 'Export', pl: 'Eksportuj' },
  'exp.stop': { en: 'Stop', pl: 'Zatrzymaj' },
  'exp.download': { en: 'Download {name}', pl: 'Pobierz {name}' },
  'exp.progress': { en: 'Progress', pl: 'Postęp' },
  'exp.state.running': { en: 'Running', pl: 'Trwa' },
  'exp.state.stopping': { en: 'Stopping…', pl: 'Zatrzymuję…' },
  'exp.state.done': { en: 'Done', pl: 'Gotowe' },
  'exp.state.failed': { en: 'Failed', pl: 'Błąd' },
  'exp.state.stopped': { en: 'Stopped', pl: 'Zatrzymano' },
  'exp.done': { en: '{done} clients', pl: '{done} klientów' },
  'exp.doneOf': { en: '{done} of {total} clients', pl: '{done} z {total} klientów' },
  'exp.requests': { en: '{n} requests', pl: 'zapytań: {n}' },
  'exp.left': { en: 'about {time} left', pl: 'zostało ok. {time}' },
  'exp.phase.export': { en: 'reading the clients', pl: 'czytanie klientów' },
  'exp.phase.listing clients': { en: 'listing the clients', pl: 'lista klientów' },
  'exp.phase.details': { en: 'reading notes and extra fields', pl: 'czytanie notatek i pól dodatkowych' },
  'exp.rate.now': { en: '{n} clients a minute', pl: '{n} klientów na minutę' },
  'exp.elapsed': { en: '{s} s', pl: '{s} s' },
  'exp.waiting': { en: 'Waiting: {what}', pl: 'Czeka: {what}' },
  'exp.nightly': { en: 'Every night', pl: 'Co noc' },
  'exp.nightly.note': { en: 'The same export as a scheduled job: copy the lines for your system. The token is read from a file, never written in a line.', pl: 'Ten sam eksport jako zadanie zaplanowane: skopiuj wiersze dla swojego systemu. Token jest czytany z pliku, nigdy nie jest wpisany w wiersz.' },
  'exp.time': { en: 'Time', pl: 'Godzina' },
  'exp.rate': { en: 'Requests a minute (--rate)', pl: 'Zapytań na minutę (--rate)' },
  'exp.cron': { en: 'cron (Linux, macOS)', pl: 'cron (Linux, macOS)' },
  'exp.cron.note': { en: 'The line for crontab -e of the user the export runs as (the token in ~/.config/crmbulk/token, chmod 600):', pl: 'Wiersz do crontab -e użytkownika, który wykonuje eksport (token w ~/.config/crmbulk/token, chmod 600):' },
  'exp.crontab': { en: 'The whole crontab, with its install steps', pl: 'Cały plik crontab z instrukcją instalacji' },
  'exp.systemd': { en: 'systemd (Linux): a service and its timer', pl: 'systemd (Linux): usługa i jej timer' },
  'exp.service': { en: '/etc/systemd/system/crmbulk-export.service', pl: '/etc/systemd/system/crmbulk-export.service' },
  'exp.timer': { en: '/etc/systemd/system/crmbulk-export.timer', pl: '/etc/systemd/system/crmbulk-export.timer' },
  'exp.windows': { en: 'Windows Task Scheduler (PowerShell)', pl: 'Harmonogram zadań Windows (PowerShell)' },
  'exp.copy': { en: 'Copy', pl: 'Kopiuj' },
  'exp.copied': { en: 'Copied', pl: 'Skopiowano' },
  'exp.copy.cronline': { en: 'Copy the cron line', pl: 'Kopiuj wiersz cron' },
  'exp.copy.crontab': { en: 'Copy the crontab', pl: 'Kopiuj plik crontab' },
  'exp.copy.service': { en: 'Copy the systemd service', pl: 'Kopiuj usługę systemd' },
  'exp.copy.timer': { en: 'Copy the systemd timer', pl: 'Kopiuj timer systemd' },
  'exp.copy.windows': { en: 'Copy the PowerShell', pl: 'Kopiuj skrypt PowerShell' },
  'exp.kept.notDetails': { en: 'The file of kept details beside {file} is not one crmbulk wrote.', pl: 'Plik zachowanych szczegółów obok {file} nie został zapisany przez crmbulk.' },
  'exp.kept.version': { en: 'The details kept beside {file} were written by another version of crmbulk.', pl: 'Szczegóły zachowane obok {file} zapisała inna wersja crmbulk.' },
  'exp.kept.account': { en: 'The details kept beside {file} were read with another API token (another account).', pl: 'Szczegóły zachowane obok {file} zostały przeczytane innym tokenem API (z innego konta).' },
  'exp.kept.extraFields': { en: 'The details kept beside {file} were read with another choice of extra fields.', pl: 'Szczegóły zachowane obok {file} zostały przeczytane przy innym wyborze pól dodatkowych.' },
  'exp.kept.filters': { en: 'The details kept beside {file} were read for other clients (another status or filter).', pl: 'Szczegóły zachowane obok {file} zostały przeczytane dla innych klientów (inny status lub filtr).' },
  'exp.kept.listOnly': { en: 'This export reads only the client list, so it has no details to go on from.', pl: 'Ten eksport czyta tylko listę klientów, więc nie ma szczegółów, od których mógłby iść dalej.' },
  'exp.kept.other': { en: 'The details kept beside {file} belong to another export.', pl: 'Szczegóły zachowane obok {file} należą do innego eksportu.' },
  'exp.kept.started': { en: 'That export started {started}.', pl: 'Tamten eksport rozpoczął się {started}.' },
  'exp.err.statusNames': { en: 'The API did not give the account’s client statuses, which the status name column needs. Export again later, or choose the columns and their order yourself and leave out status_name.', pl: 'API nie podało statusów klientów konta, których potrzebuje kolumna nazwy statusu. Wyeksportuj ponownie później albo wybierz kolumny i ich kolejność samodzielnie i pomiń status_name.' },
  'exp.err.notSaved': { en: 'Nothing was saved.', pl: 'Nic nie zostało zapisane.' },
  'exp.err.kept': { en: 'The details read so far are kept: export again with the same choices to go on from them.', pl: 'Dotąd przeczytane szczegóły są zachowane: wyeksportuj ponownie z tymi samymi ustawieniami, aby pójść dalej od nich.' },
  'exp.kept.over': { en: 'They are not mixed in: this export reads every client’s notes and extra fields again, and what it reads replaces them. Nothing to do: if you stop it, exporting again with these same choices goes on from what it read.', pl: 'Nie są dołączane: ten eksport czyta ponownie notatki i pola dodatkowe wszystkich klientów, a to, co przeczyta, je zastępuje. Nic nie trzeba robić: jeśli go zatrzymasz, eksport z tymi samymi ustawieniami pójdzie dalej od tego, co przeczytał.' },
  'exp.minutes': { en: '{n} minutes', pl: '{n} min' },
  'exp.minute': { en: '1 minute', pl: '1 min' },
  'exp.seconds': { en: '{n} seconds', pl: '{n} s' },
});

(() => {
  const sec = document.getElementById('export');
  const opts = { statuses: [], filters: [], columns: [], defaultColumns: [], defaults: {}, time: '02:15', rateLimit: 0 };
  let chosen = []; // the chosen columns, in order
  let estimate = null; // the last estimate, redrawn on a language change
  let runState = null;
  let stream = null;
  let runID = '';

  const field = (id, key, control) => el('div', { class: 'field' }, el('label', { for: id, 'data-i18n': key }), control);
  const status = el('select', { id: 'exp-status' });
  const filterName = el('select', { id: 'exp-filter-name' });
  const filterValue = el('input', { id: 'exp-filter-value', type: 'text', size: 22 });
  const colsDefault = el('input', { type: 'radio', name: 'exp-cols', id: 'exp-cols-default', value: 'default', checked: true });
  const colsChoose = el('input', { type: 'radio', name: 'exp-cols', id: 'exp-cols-choose', value: 'choose' });
  const colBoxes = el('div', { id: 'exp-col-boxes', class: 'col-boxes', hidden: true, role: 'group', 'data-i18n-aria-label': 'exp.columns.choose' });
  const order = el('ol', { id: 'exp-order', class: 'col-order' });
  const orderBox = el('div', { hidden: true }, el('h4', { id: 'exp-order-title', 'data-i18n': 'exp.columns.order' }), order);
  order.setAttribute('aria-labelledby', 'exp-order-title');
  const notes = el('input', { type: 'checkbox', id: 'exp-notes' });
  const extras = el('input', { type: 'checkbox', id: 'exp-extras' });
  const estimateBox = el('p', { id: 'exp-estimate', class: 'note', role: 'status', 'aria-live': 'polite' });
  const format = el('select', { id: 'exp-format' },
    el('option', { value: 'xlsx', 'data-i18n': 'exp.format.xlsx' }), el('option', { value: 'csv', 'data-i18n': 'exp.format.csv' }),
    el('option', { value: 'excel', 'data-i18n': 'exp.format.excel' }));
  const name = el('input', { id: 'exp-name', type: 'text', size: 28, value: 'clients-{date}', spellcheck: 'false' });
  const start = el('button', { type: 'button', id: 'exp-start', class: 'primary', 'data-i18n': 'exp.start' });
  const stop = el('button', { type: 'button', id: 'exp-stop', hidden: true, 'data-i18n': 'exp.stop' });
  const bar = el('progress', { id: 'exp-bar', max: 1, 'data-i18n-aria-label': 'exp.progress' });
  const progressText = el('p', { id: 'exp-progress-text' });
  const messages = el('ul', { id: 'exp-messages', class: 'messages' });
  const download = el('a', { id: 'exp-download', class: 'button primary', hidden: true, download: '' });
  const progress = el('div', { id: 'exp-progress', class: 'panel', role: 'status', 'aria-live': 'polite', hidden: true },
    bar, progressText, messages, download);
  const time = el('input', { id: 'exp-time', type: 'time', value: '02:15', required: true });
  const rate = el('input', { id: 'exp-rate', type: 'number', min: 1, max: 1000, value: 60, size: 5 });
  const lines = {};
  const linesBox = el('div', { id: 'exp-lines' });
  // codeBlock is a copyable <pre> of one generated file or line.
  function codeBlock(key, title) {
    const pre = el('pre', { id: 'exp-line-' + key, class: 'code', tabindex: 0, 'data-i18n-aria-label': title });
    const copy = el('button', { type: 'button', id: 'exp-copy-' + key, 'data-i18n': 'exp.copy', 'data-i18n-aria-label': 'exp.copy.' + key });
    copy.addEventListener('click', async () => {
      try { await navigator.clipboard.writeText(pre.textContent); copy.textContent = t('exp.copied'); } catch (e) {
        const r = document.createRange(); r.selectNodeContents(pre); const sel = getSelection(); sel.removeAllRanges(); sel.addRange(r);
      }
      setTimeout(() => { copy.textContent = t('exp.copy'); }, 1500);
    });
    lines[key] = pre;
    return el('div', { class: 'code-wrap' }, copy, pre);
  }
  linesBox.append(
    el('details', { open: true }, el('summary', { 'data-i18n': 'exp.cron' }),
      el('p', { class: 'note', 'data-i18n': 'exp.cron.note' }), codeBlock('cronline', 'exp.cron'),
      el('details', {}, el('summary', { 'data-i18n': 'exp.crontab' }), codeBlock('crontab', 'exp.crontab'))),
    el('details', {}, el('summary', { 'data-i18n': 'exp.systemd' }),
      el('h4', { 'data-i18n': 'exp.service' }), codeBlock('service', 'exp.service'),
      el('h4', { 'data-i18n': 'exp.timer' }), codeBlock('timer', 'exp.timer')),
    el('details', {}, el('summary', { 'data-i18n': 'exp.windows' }), codeBlock('windows', 'exp.windows')));

  sec.append(el('h2', { 'data-i18n': 'exp.title' }),
    el('div', { class: 'exp-grid' },
      el('fieldset', {}, el('legend', { 'data-i18n': 'exp.which' }),
        field('exp-status', 'exp.status', status),
        el('div', { class: 'row' }, field('exp-filter-name', 'exp.filter', filterName), field('exp-filter-value', 'exp.filter.value', filterValue))),
      el('fieldset', {}, el('legend', { 'data-i18n': 'exp.details' }),
        el('div', {}, notes, el('label', { for: 'exp-notes', 'data-i18n': 'exp.notes' })),
        el('div', {}, extras, el('label', { for: 'exp-extras', 'data-i18n': 'exp.extras' })),
        estimateBox),
      el('fieldset', {}, el('legend', { 'data-i18n': 'exp.format' }),
        field('exp-format', 'exp.format', format), field('exp-name', 'exp.name', name)),
      el('fieldset', { class: 'wide' }, el('legend', { 'data-i18n': 'exp.columns' }),
        el('div', {}, colsDefault, el('label', { for: 'exp-cols-default', 'data-i18n': 'exp.columns.default' })),
        el('div', {}, colsChoose, el('label', { for: 'exp-cols-choose', 'data-i18n': 'exp.columns.choose' })),
        colBoxes, orderBox)),
    el('div', { class: 'row' }, start, stop),
    progress,
    el('h3', { 'data-i18n': 'exp.nightly' }), el('p', { class: 'note', 'data-i18n': 'exp.nightly.note' }),
    el('div', { class: 'row' }, field('exp-time', 'exp.time', time), field('exp-rate', 'exp.rate', rate)),
    linesBox);

  // choices is the export as the page chose it: the server's exportRequest.
  function choices() {
    const filters = [];
    if (status.value) filters.push('status=' + status.value);
    if (filterName.value && filterValue.value.trim()) filters.push(filterName.value + '=' + filterValue.value.trim());
    return {
      name: name.value.trim(), format: format.value, filters,
      columns: colsChoose.checked ? chosen.slice() : [],
      notes: notes.checked, extraFields: extras.checked,
      rate: Number(rate.value) || 0, time: time.value,
    };
  }

  function drawStatuses() {
    const keep = status.value;
    status.replaceChildren(el('option', { value: '', text: t('exp.status.all') }),
      ...opts.statuses.map((s) => el('option', { value: s, text: s })));
    status.value = keep;
    const keepF = filterName.value;
    filterName.replaceChildren(el('option', { value: '', text: t('exp.filter.none') }),
      ...opts.filters.map((f) => el('option', { value: f, text: f })));
    filterName.value = keepF;
  }

  function drawColumns() {
    colBoxes.replaceChildren(...opts.columns.map((c) => {
      const id = 'exp-col-' + c.replace(/[^a-z0-9_]/gi, '_');
      const box = el('input', { type: 'checkbox', id, value: c, checked: chosen.includes(c) });
      box.addEventListener('change', () => {
        chosen = box.checked ? [...chosen, c] : chosen.filter((x) => x !== c);
        drawOrder(); changed();
      });
      return el('span', { class: 'col-box' }, box, el('label', { for: id, text: c }));
    }));
  }

  function move(i, step) {
    const j = i + step;
    if (j < 0 || j >= chosen.length) return;
    [chosen[i], chosen[j]] = [chosen[j], chosen[i]];
    drawOrder();
    order.querySelectorAll('li')[j].querySelector(step < 0 ? '.up' : '.down').focus();
    changed();
  }

  function drawOrder() {
    if (chosen.length === 0) { order.replaceChildren(el('li', { class: 'note', text: t('exp.columns.none') })); return; }
    order.replaceChildren(...chosen.map((c, i) => el('li', {},
      el('span', { class: 'col-name', text: c }),
      el('button', { type: 'button', class: 'up', 'aria-label': t('exp.up', { name: c }), disabled: i === 0, onclick: () => move(i, -1), text: '↑' }),
      el('button', { type: 'button', class: 'down', 'aria-label': t('exp.down', { name: c }), disabled: i === chosen.length - 1, onclick: () => move(i, 1), text: '↓' }))));
  }

  function duration(s) {
    if (s >= 90) return t('exp.minutes', { n: Math.round(s / 60) });
    if (s >= 60) return t('exp.minute');
    return t('exp.seconds', { n: Math.max(1, Math.round(s)) });
  }

  function drawEstimate() {
    if (!estimate) { estimateBox.textContent = ''; return; }
    if (estimate.counting) { estimateBox.textContent = t('exp.estimate.counting'); return; }
    if (!estimate.details) { estimateBox.textContent = t('exp.estimate.none'); return; }
    estimateBox.textContent = t(estimate.atMost ? 'exp.estimate.atMost' : 'exp.estimate', { time: duration(estimate.seconds), clients: estimate.clients, limit: opts.rateLimit });
    estimateBox.title = estimate.text;
  }

  // refresh asks the server for the nightly lines (always) and the
  // estimate (when notes or extra fields are asked for) of the choices.
  let seq = 0;
  async function refresh() {
    const mine = ++seq;
    const c = choices();
    try {
      const n = await api('/api/export/nightly', { json: c });
      if (mine !== seq) return;
      const from = { cronline: 'CronLine', crontab: 'Crontab', service: 'Service', timer: 'Timer', windows: 'Windows' };
      for (const [k, pre] of Object.entries(lines)) pre.textContent = n.files[from[k]];
      showError(null);
      if (c.notes || c.extraFields) {
        estimate = { counting: true }; drawEstimate();
        const est = await api('/api/export/estimate', { json: c });
        if (mine !== seq) return;
        estimate = est;
      } else {
        estimate = { details: false };
      }
      drawEstimate();
    } catch (err) {
      if (mine === seq) { showError(err); estimate = null; drawEstimate(); }
    }
  }
  let timer = 0;
  function changed() { clearTimeout(timer); timer = setTimeout(refresh, 250); }

  // pageNote is a note of the run in the page's own words (key and facts):
  // kept details the export does not go on from, why, and what follows.
  function pageNote(n) {
    const vars = { ...(n.vars || {}) };
    const parts = [t(n.key, vars)];
    if (n.key.startsWith('exp.kept.')) {
      if (vars.started) parts.push(t('exp.kept.started', { started: new Date(vars.started).toLocaleString(I18N.lang) }));
      if (n.key !== 'exp.kept.listOnly') parts.push(t('exp.kept.over'));
    }
    return el('li', { class: 'page-note', text: parts.join(' ') });
  }

  function drawRun() {
    const s = runState;
    if (!s) return;
    progress.hidden = false;
    const running = s.state === 'running' || s.state === 'stopping';
    start.disabled = running;
    stop.hidden = !running;
    if (s.total > 0) { bar.max = s.total; bar.value = s.done; } else if (running) { bar.removeAttribute('value'); } else { bar.max = 1; bar.value = 1; }
    const parts = [t('exp.state.' + s.state)];
    if (s.phase) {
      const key = 'exp.phase.' + s.phase;
      parts.push(t(key) === key ? s.phase : t(key));
    }
    parts.push(s.total > 0 ? t('exp.doneOf', { done: s.done, total: s.total }) : t('exp.done', { done: s.counts && s.counts.exported !== undefined ? s.counts.exported : s.done }));
    parts.push(t('exp.requests', { n: s.requests }), t('exp.elapsed', { s: Math.round(s.elapsedSeconds) }));
    if (running && s.ratePerMinute > 0) parts.push(t('exp.rate.now', { n: Math.round(s.ratePerMinute) }));
    if (running && s.etaSeconds > 0) parts.push(t('exp.left', { time: duration(s.etaSeconds) }));
    if (s.waiting) parts.push(t('exp.waiting', { what: s.waiting }));
    progressText.textContent = parts.join(' · ');
    const notesShown = (s.messages || []).slice();
    if (s.summary) notesShown.push(s.summary);
    // An error whose crmbulk words name command line flags is said in the page's.
    const said = s.errorNote ? [errorNoteText(s.errorNote), t('exp.err.notSaved')] : [];
    if (s.errorNote && s.errorNote.vars && s.errorNote.vars.kept) said.push(t('exp.err.kept'));
    if (s.error && !s.errorNote) notesShown.push(s.error);
    messages.replaceChildren(...(s.notes || []).map(pageNote), ...(said.length ? [el('li', { class: 'page-note page-error', role: 'alert', text: said.join(' ') })] : []),
      ...notesShown.map((m) => toolWords(m, 'li')));
    progress.classList.toggle('failed', s.state === 'failed');
    if (s.state === 'done') {
      const file = (s.summary || '').split(' → ').pop();
      download.href = '/api/export/' + runID + '/file';
      download.textContent = t('exp.download', { name: file });
      download.hidden = false;
    }
  }

  start.addEventListener('click', async () => {
    download.hidden = true;
    try {
      const res = await api('/api/export', { json: choices() });
      showError(null);
      runID = res.id;
      runState = { state: 'running', done: 0, total: -1, requests: 0, elapsedSeconds: 0, messages: [] };
      drawRun();
      if (stream) stream.close();
      stream = new EventSource('/api/runs/' + runID + '/events');
      stream.addEventListener('state', (ev) => {
        runState = JSON.parse(ev.data);
        drawRun();
        if (runState.state !== 'running' && runState.state !== 'stopping') { stream.close(); stream = null; start.focus(); }
      });
      stream.onerror = () => { if (stream && stream.readyState === EventSource.CLOSED) stream = null; };
    } catch (err) { showError(err); }
  });
  stop.addEventListener('click', async () => {
    try { runState = await api('/api/runs/' + runID + '/stop', { method: 'POST' }); drawRun(); } catch (err) { showError(err); }
  });

  colsDefault.addEventListener('change', () => { colBoxes.hidden = true; orderBox.hidden = true; changed(); });
  colsChoose.addEventListener('change', () => { colBoxes.hidden = false; orderBox.hidden = false; drawOrder(); changed(); });
  for (const c of [status, filterName, notes, extras, format, time]) c.addEventListener('change', changed);
  for (const c of [filterValue, name, rate]) c.addEventListener('input', changed);

  let loaded = false;
  async function load() {
    if (loaded || !session.token) return;
    try {
      Object.assign(opts, await api('/api/export/options'));
      loaded = true;
      rate.value = opts.defaults.rate || 60;
      time.value = opts.time;
      drawStatuses(); drawColumns(); drawOrder();
      refresh();
    } catch (err) { showError(err); }
  }
  document.addEventListener('tabchange', (e) => { if (e.detail === 'export') load(); });
  document.addEventListener('session', () => { if (!document.getElementById('export').hidden) load(); });
  document.addEventListener('langchange', () => { drawStatuses(); drawOrder(); drawEstimate(); drawRun(); });
})();
