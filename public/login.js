// The login page's live part: long-polls the ticket's status (paused while the tab is hidden),
// shows each state, and finishes the login when the phone confirms. Without JavaScript the page
// still works through its "I have confirmed — continue" button.
(function () {
  'use strict';
  var root = document.getElementById('login');
  if (!root) return;
  var uid = root.dataset.uid;
  var state = root.dataset.state;
  var expiresAt = Number(root.dataset.expires) * 1000;
  var text = JSON.parse(root.dataset.i18n);
  var status = document.getElementById('status');
  var overlay = document.getElementById('overlay');
  var overlayText = document.getElementById('overlay-text');
  var avatar = document.getElementById('scanner-avatar');
  var refreshButton = document.getElementById('refresh');
  var retryButton = document.getElementById('retry');
  var code = document.getElementById('code');
  var countdown = document.getElementById('countdown');
  var polling = false;
  var failures = 0;
  var finished = false;

  function show(next) {
    state = next.state;
    if (next.expires_at) expiresAt = next.expires_at * 1000;
    root.dataset.state = state;
    status.textContent = text[state] || state;
    var terminal = state === 'expired' || state === 'cancelled';
    overlay.hidden = state === 'pending';
    overlayText.textContent = state === 'scanned' || state === 'confirmed'
      ? (next.scanner && next.scanner.nickname ? text.scanner.replace('{nickname}', next.scanner.nickname) : text[state])
      : text[state] || '';
    if (next.scanner && next.scanner.avatar_url) { avatar.src = next.scanner.avatar_url; avatar.hidden = false; } else { avatar.hidden = true; }
    refreshButton.hidden = !terminal;
    retryButton.hidden = true;
    if (state === 'confirmed' && !finished) {
      finished = true;
      document.getElementById('complete').submit();
    }
    if (state === 'expired' && document.visibilityState === 'visible') refresh();
  }

  function poll() {
    if (polling || finished || document.visibilityState !== 'visible') return;
    if (state === 'expired' || state === 'cancelled' || state === 'consumed') return;
    polling = true;
    fetch('/interaction/' + encodeURIComponent(uid) + '/status?state=' + encodeURIComponent(state), { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (res) {
        return res.json().then(function (body) { return { ok: res.ok, status: res.status, body: body }; });
      })
      .then(function (answer) {
        polling = false;
        if (answer.ok) { failures = 0; show(answer.body); poll(); return; }
        if (answer.status >= 400 && answer.status < 500) { gone(); return; }
        throw new Error('status ' + answer.status);
      })
      .catch(function () {
        polling = false;
        failures += 1;
        status.textContent = text.error;
        setTimeout(poll, Math.min(30000, 1000 * Math.pow(2, Math.min(failures, 5))));
      });
  }

  function refresh() {
    fetch('/interaction/' + encodeURIComponent(uid) + '/refresh', { method: 'POST', credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (res) { return res.json().then(function (body) { return { ok: res.ok, body: body }; }); })
      .then(function (answer) {
        if (!answer.ok) { gone(); return; }
        code.src = answer.body.qrcode_url;
        show(answer.body);
        poll();
      })
      .catch(function () { status.textContent = text.error; });
  }

  function gone() {
    finished = true;
    overlay.hidden = false;
    overlayText.textContent = text.pageGone;
    status.textContent = text.pageGone;
    refreshButton.hidden = true;
  }

  function tick() {
    var left = Math.max(0, Math.round((expiresAt - Date.now()) / 1000));
    countdown.textContent = state === 'pending' || state === 'scanned'
      ? text.expiresIn.replace('{time}', Math.floor(left / 60) + ':' + String(left % 60).padStart(2, '0'))
      : '';
  }

  code.addEventListener('error', function () {
    overlay.hidden = false;
    overlayText.textContent = text.wechatUnavailable;
    retryButton.hidden = false;
  });
  retryButton.addEventListener('click', function () {
    retryButton.hidden = true;
    overlay.hidden = state === 'pending';
    code.src = code.src.replace(/([?&]r=)\d+|$/, function (m, p) { return p ? p + Date.now() : '&r=' + Date.now(); });
  });
  refreshButton.addEventListener('click', refresh);
  document.querySelectorAll('img[data-fallback]').forEach(function (img) {
    img.addEventListener('error', function () { img.src = img.dataset.fallback; img.removeAttribute('data-fallback'); }, { once: true });
  });
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState !== 'visible') return;
    if (state === 'expired') refresh(); else poll();
  });
  setInterval(tick, 1000);
  tick();
  show({ state: state, expires_at: expiresAt / 1000 });
  poll();
})();
