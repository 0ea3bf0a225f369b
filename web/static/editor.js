// The article editor's improvements: autosave, toolbar, word count. The
// form works without any of this; nothing here is needed to write or save.
(function () {
  'use strict';
  var form = document.getElementById('editor');
  if (!form) { return; }

  // fields is the form as a save would send it, without the files: an
  // autosave keeps only what was typed.
  function fields() {
    var p = new URLSearchParams();
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled || el.type === 'file' || el.type === 'submit' || el.type === 'button') { return; }
      if ((el.type === 'checkbox' || el.type === 'radio') && !el.checked) { return; }
      if (el.tagName === 'SELECT' && el.multiple) {
        Array.prototype.forEach.call(el.selectedOptions, function (o) { p.append(el.name, o.value); });
        return;
      }
      p.append(el.name, el.value);
    });
    return p;
  }

  // Autosave: every few seconds, if anything changed, the typed fields go
  // to the autosave endpoint with the version the page was opened at. A
  // 409 means someone saved since: autosave stops and says who and when.
  var url = form.getAttribute('data-autosave');
  if (url) {
    var status = document.getElementById('autosave-status');
    var conflict = document.getElementById('autosave-conflict');
    var failed = form.getAttribute('data-autosave-failed');
    var every = parseInt(form.getAttribute('data-autosave-every') || '3000', 10);
    var last = fields().toString();
    var busy = false, stopped = false;
    var tick = function () {
      if (stopped || busy) { return; }
      var p = fields();
      var sent = p.toString();
      if (sent === last) { return; }
      busy = true;
      fetch(url, {
        method: 'POST', body: p, credentials: 'same-origin',
        headers: { 'X-CSRF-Token': p.get('csrf') || '', 'Accept': 'application/json' }
      }).then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (j) {
          if (res.status === 200) {
            last = sent;
            status.textContent = j.saved || '';
            status.classList.remove('error');
          } else if (res.status === 409) {
            stopped = true;
            conflict.textContent = j.error || failed;
            conflict.hidden = false;
            status.textContent = '';
          } else {
            status.textContent = failed;
            status.classList.add('error');
          }
        });
      }).catch(function () {
        status.textContent = failed;
        status.classList.add('error');
      }).then(function () { busy = false; });
    };
    window.setInterval(tick, every);
    form.addEventListener('submit', function () { stopped = true; });
  }
})();
