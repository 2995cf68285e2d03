// import.js: the import flow, up to the plan.
'use strict';

I18N.add({
  en: { 'imp.title': 'Import a file', 'imp.choose': 'Choose a CSV, XLSX or EPP file' },
  pl: { 'imp.title': 'Import pliku', 'imp.choose': 'Wybierz plik CSV, XLSX lub EPP' },
});

// The section is built when the script runs (the scripts end the body);
// common.js translates it on DOMContentLoaded.
(() => {
  const sec = document.getElementById('import');
  sec.append(el('h2', { 'data-i18n': 'imp.title' }),
    el('label', { for: 'imp-file', 'data-i18n': 'imp.choose' }),
    el('input', { id: 'imp-file', type: 'file', accept: '.csv,.txt,.xlsx,.epp' }));
})();
