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

  // Toolbar: one button per line of the Markdown cheat sheet, which it
  // replaces; Ctrl/Cmd+B, I and K as in every editor.
  var body = document.getElementById('body');
  var sheet = document.getElementById('md-cheatsheet');
  function edit(kind) {
    var v = body.value, a = body.selectionStart, b = body.selectionEnd;
    var sel = v.slice(a, b);
    var before = v.slice(0, a), after = v.slice(b);
    var lineStart = before.lastIndexOf('\n') + 1;
    var prefix = function (p) {
      var block = v.slice(lineStart, b).split('\n').map(function (l, i) {
        return (kind === 'numbered' ? (i + 1) + '. ' : p) + l;
      }).join('\n');
      body.value = v.slice(0, lineStart) + block + after;
      body.setSelectionRange(lineStart, lineStart + block.length);
    };
    var wrap = function (l, r, empty) {
      var inner = sel || empty;
      body.value = before + l + inner + r + after;
      body.setSelectionRange(a + l.length, a + l.length + inner.length);
    };
    switch (kind) {
      case 'heading': prefix('## '); break;
      case 'quote': prefix('> '); break;
      case 'list': prefix('- '); break;
      case 'numbered': prefix(''); break;
      case 'bold': wrap('**', '**', 'text'); break;
      case 'italic': wrap('*', '*', 'text'); break;
      case 'link': {
        var inner = sel || 'text';
        body.value = before + '[' + inner + '](https://)' + after;
        var at = a + inner.length + 3;
        body.setSelectionRange(at, at + 8);
        break;
      }
      case 'table': {
        var t = (before && !/\n\n$/.test(before) ? '\n\n' : '') + '| A | B |\n| --- | --- |\n| 1 | 2 |\n';
        body.value = before + t + after;
        body.setSelectionRange(a + t.length, a + t.length);
        break;
      }
      case 'footnote': {
        var n = 1;
        while (v.indexOf('[^' + n + ']') >= 0) { n++; }
        var mark = '[^' + n + ']';
        var rest = after.replace(/\s+$/, '');
        body.value = before + mark + rest + '\n\n' + mark + ': ';
        body.setSelectionRange(body.value.length, body.value.length);
        break;
      }
      default: return;
    }
    body.focus();
    body.dispatchEvent(new Event('input'));
  }
  if (body && sheet && !body.readOnly && !body.disabled) {
    var bar = document.createElement('div');
    bar.className = 'toolbar';
    bar.setAttribute('role', 'toolbar');
    bar.setAttribute('aria-controls', 'body');
    bar.setAttribute('aria-label', sheet.querySelector('summary').textContent);
    var keys = {};
    Array.prototype.forEach.call(sheet.querySelectorAll('li[data-md]'), function (li) {
      var kind = li.getAttribute('data-md');
      var btn = document.createElement('button');
      btn.type = 'button';
      btn.className = 'secondary md-' + kind;
      btn.setAttribute('data-md', kind);
      btn.textContent = li.getAttribute('data-label');
      var key = li.getAttribute('data-key');
      if (key) {
        keys[key] = kind;
        btn.setAttribute('aria-keyshortcuts', 'Control+' + key.toUpperCase());
        btn.title = btn.textContent + ' (Ctrl+' + key.toUpperCase() + ')';
      }
      btn.addEventListener('click', function () { edit(kind); });
      bar.appendChild(btn);
    });
    body.parentNode.insertBefore(bar, body);
    sheet.hidden = true;
    body.addEventListener('keydown', function (e) {
      if (!(e.ctrlKey || e.metaKey) || e.altKey || e.shiftKey) { return; }
      var kind = keys[e.key.toLowerCase()];
      if (kind) { e.preventDefault(); edit(kind); }
    });
  }

  // Bylines: type to narrow the list of authors; ticked ones stay shown.
  var filter = document.getElementById('byline-filter');
  if (filter) {
    filter.parentNode.hidden = false;
    var items = document.querySelectorAll('#authors .picker li');
    filter.addEventListener('input', function () {
      var q = filter.value.trim().toLowerCase();
      Array.prototype.forEach.call(items, function (li) {
        var box = li.querySelector('input');
        li.hidden = q !== '' && !box.checked && li.textContent.toLowerCase().indexOf(q) < 0;
      });
    });
    filter.addEventListener('keydown', function (e) {
      if (e.key !== 'Enter') { return; }
      // Enter ticks the only author left rather than submitting the form.
      e.preventDefault();
      var shown = Array.prototype.filter.call(items, function (li) { return !li.hidden && !li.querySelector('input').checked; });
      if (shown.length === 1) { shown[0].querySelector('input').checked = true; }
    });
    // The form would be sent on Enter's keypress, which not every input
    // method cancels with its keydown.
    filter.addEventListener('keypress', function (e) { if (e.key === 'Enter') { e.preventDefault(); } });
  }

  // Word count and reading time, counted as the server counts them.
  var counts = document.getElementById('counts');
  if (body && counts) {
    var wpm = parseInt(counts.getAttribute('data-wpm') || '200', 10);
    var parts = (counts.getAttribute('data-format') || '').split('0');
    var recount = function () {
      var text = body.value.replace(/\]\([^)\n]*\)/g, ']');
      var words = (text.match(/[\p{L}\p{N}]+(?:['-][\p{L}\p{N}]+)*/gu) || []).length;
      var minutes = words ? Math.ceil(words / wpm) : 0;
      counts.textContent = parts.length === 3 ? parts[0] + words + parts[1] + minutes + parts[2] : words + ' / ' + minutes;
    };
    body.addEventListener('input', recount);
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
      if (stopped || busy) { return Promise.resolve(); }
      var p = fields();
      var sent = p.toString();
      if (sent === last) { return Promise.resolve(); }
      busy = true;
      return fetch(url, {
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
            conflict.className = 'error';
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
    // Off to the media library: keep the typing first, so the image comes
    // back into the body with it.
    var lib = document.getElementById('media-library');
    if (lib) {
      lib.addEventListener('click', function (e) {
        if (stopped || fields().toString() === last) { return; }
        e.preventDefault();
        tick().then(function () { window.location.href = lib.href; });
      });
    }
  }
})();
