// The login page's live part: long-polls the ticket's status (paused while the tab is hidden,
// resumed at once when shown), shows each state over the code, counts down the code's life, gets
// a new code when one expires, and finishes the login when the phone confirms. Every string comes
// from the page (data-i18n), in its language. Without JavaScript the page still works through its
// "I have confirmed — continue" button.
(function () {
  'use strict';

  // A website logo that fails to load leaves the website's initial, drawn underneath, in its place.
  Array.prototype.forEach.call(document.querySelectorAll('img.client-logo'), function (img) {
    function drop() { img.hidden = true; }
    if (img.complete && img.naturalWidth === 0) drop(); else img.addEventListener('error', drop);
  });

  var root = document.getElementById('login');
  if (!root) return;

  var uid = encodeURIComponent(root.dataset.uid);
  var text = JSON.parse(root.dataset.i18n);
  var ttlMs = Number(root.dataset.ttl) * 1000;
  var $ = function (id) { return document.getElementById(id); };
  var code = $('code');
  var frame = $('code-frame');
  var overlay = $('overlay');
  var overlayTitle = $('overlay-title');
  var overlayDetail = $('overlay-detail');
  var avatar = $('scanner-avatar');
  var refreshButton = $('refresh');
  var retryButton = $('retry');
  var backLink = $('back');
  var openWeChat = $('open-wechat-block');
  var status = $('status');
  var countdown = $('countdown');
  var countdownText = $('countdown-text');
  var countdownBar = $('countdown-bar');

  /** The ticket as the server last told us. */
  var state = root.dataset.state;
  var expiresAt = Number(root.dataset.expires) * 1000;
  var scanner = null;
  /** What the page shows: a ticket state, or renewing / unavailable / busy / gone. */
  var view = null;
  var poller = null;
  /** Bumped when the ticket is replaced, so a late answer about the old one is ignored. */
  var generation = 0;
  var failures = 0;
  var refreshing = false;
  var finished = false;
  /** While the deployment is at its limit of new codes (429): when to ask again. */
  var busyUntil = 0;

  var LIVE = { pending: true, scanned: true, confirmed: true };
  var ACTIONS = { blocked: refreshButton, cancelled: refreshButton, expired: refreshButton, unavailable: retryButton, gone: backLink, consumed: backLink };

  function visible() { return document.visibilityState === 'visible'; }

  function say(message) {
    // Assigning the same text again would make some screen readers repeat it.
    if (status.textContent !== message) status.textContent = message;
  }

  function show(next) {
    var changed = next !== view;
    view = next;
    root.dataset.view = view;
    overlay.hidden = view === 'pending';
    overlayTitle.textContent = text['overlay.' + view] || '';
    // Who is signing in, once the mini-program has said (today with its confirm).
    var known = (view === 'scanned' || view === 'confirmed') && scanner;
    var nickname = known && scanner.nickname;
    overlayDetail.textContent = view === 'busy' ? text.busy_in.replace('{seconds}', busySeconds())
      : nickname ? text.as.replace('{nickname}', nickname) : '';
    var picture = known && scanner.avatar_url;
    if (picture && avatar.getAttribute('src') !== picture) avatar.src = picture;
    avatar.hidden = !picture;
    root.classList.toggle('has-avatar', Boolean(picture));
    refreshButton.hidden = ACTIONS[view] !== refreshButton;
    retryButton.hidden = ACTIONS[view] !== retryButton;
    if (backLink) backLink.hidden = ACTIONS[view] !== backLink;
    if (openWeChat) openWeChat.hidden = !(view === 'pending' || view === 'scanned');
    say((text['status.' + view] || '').replace('{seconds}', busySeconds()));
    tick();
    var action = ACTIONS[view];
    // Keyboard users land on the one thing they can do now, unless they are busy elsewhere.
    if (changed && action && !action.hidden && focusIsFree()) action.focus();
  }

  function focusIsFree() {
    var active = document.activeElement;
    return !active || active === document.body || frame.contains(active) || active.offsetParent === null;
  }

  /** The answer of /status or /refresh: what the ticket is now. */
  function learn(answer) {
    state = answer.state;
    if (answer.expires_at) expiresAt = answer.expires_at * 1000;
    scanner = answer.scanner || null;
    if (answer.reason === 'login_blocked') {
      show('blocked');
    } else if (state === 'confirmed') {
      show('confirmed');
      finish();
    } else if (state === 'expired') {
      show('expired');
      if (visible()) refresh();
    } else if (view !== 'renewing' && view !== 'unavailable' && view !== 'busy' || state !== 'pending') {
      show(state);
    }
  }

  function finish() {
    if (finished) return;
    finished = true;
    stopPolling();
    document.getElementById('complete').submit();
  }

  function poll() {
    if (poller || finished || refreshing || !visible() || !LIVE[state]) return;
    var mine = generation;
    var controller = new AbortController();
    poller = controller;
    fetch('/interaction/' + uid + '/status?state=' + encodeURIComponent(state), { credentials: 'same-origin', headers: { accept: 'application/json' }, signal: controller.signal })
      .then(function (res) {
        return res.json().then(function (body) { return { ok: res.ok, status: res.status, body: body }; });
      })
      .then(function (answer) {
        if (poller === controller) poller = null;
        if (mine !== generation || controller.signal.aborted) return;
        if (answer.ok) {
          failures = 0;
          learn(answer.body);
          // Another tab of this login page polls now; pause, or the two would answer each other in a loop.
          if (answer.body.superseded) setTimeout(poll, 5000); else poll();
        } else if (answer.status >= 400 && answer.status < 500 && answer.status !== 429) {
          gone();
        } else {
          throw new Error('status ' + answer.status);
        }
      })
      .catch(function () {
        if (poller === controller) poller = null;
        // Stopped on purpose (tab hidden, code replaced): not a failure.
        if (controller.signal.aborted || mine !== generation) return;
        failures += 1;
        say(text['status.offline']);
        setTimeout(poll, Math.min(30000, 1000 * Math.pow(2, Math.min(failures, 5))));
      });
  }

  function stopPolling() {
    if (poller) poller.abort();
    poller = null;
  }

  /** A new code in place of an expired or cancelled one. */
  function refresh() {
    if (refreshing || finished) return;
    refreshing = true;
    generation += 1;
    stopPolling();
    show('renewing');
    fetch('/interaction/' + uid + '/refresh', { method: 'POST', credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (res) {
        return res.json().then(function (body) { return { ok: res.ok, status: res.status, body: body }; });
      })
      .then(function (answer) {
        refreshing = false;
        if (answer.ok) {
          state = answer.body.state;
          expiresAt = answer.body.expires_at * 1000;
          scanner = null;
          // The view changes when the new image has arrived (or failed): see the code's listeners.
          code.src = answer.body.qrcode_url;
          poll();
        } else if (answer.body && answer.body.error === 'ticket_in_progress') {
          // Another tab of this login made the new code first: take it from a fresh page.
          location.reload();
        } else {
          gone();
        }
      })
      .catch(function () {
        refreshing = false;
        show(state === 'cancelled' ? 'cancelled' : 'expired');
        say(text['status.offline']);
      });
  }

  function gone() {
    finished = true;
    stopPolling();
    show(state === 'consumed' ? 'consumed' : 'gone');
  }

  function busySeconds() {
    return String(Math.max(0, Math.ceil((busyUntil - Date.now()) / 1000)));
  }

  /** Loads the code image again (a kept copy costs no WeChat call). */
  function retryCode() {
    show('renewing');
    code.src = code.src.replace(/&r=\d+$/, '') + '&r=' + Date.now();
  }

  /**
   * The code image failed. An <img> cannot say why, so the page asks the same address with `&why`
   * (answered without drawing a code again): 429 is the deployment's limit of new codes (the page counts down Retry-After and tries again),
   * anything else is WeChat being unavailable (the person can try again).
   */
  function explainFailedCode() {
    if (!LIVE[state] || finished) return;
    var mine = generation;
    fetch(code.src.replace(/&r=\d+$/, '') + '&why', { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (res) {
        if (mine !== generation || finished) return;
        if (res.status === 429) {
          busyUntil = Date.now() + 1000 * Math.max(1, Number(res.headers.get('retry-after')) || 30);
          show('busy');
        } else {
          show('unavailable');
        }
      })
      .catch(function () {
        if (mine === generation && !finished) show('unavailable');
      });
  }

  function tick() {
    if (view === 'busy') {
      countdown.hidden = true;
      if (Date.now() >= busyUntil) retryCode();
      else overlayDetail.textContent = text.busy_in.replace('{seconds}', busySeconds());
      return;
    }
    var counting = view === 'pending' || view === 'scanned';
    countdown.hidden = !counting;
    if (!counting) return;
    var left = Math.max(0, expiresAt - Date.now());
    var seconds = Math.ceil(left / 1000);
    countdownText.textContent = text.expires_in.replace('{time}', Math.floor(seconds / 60) + ':' + String(seconds % 60).padStart(2, '0'));
    countdownBar.style.transform = 'scaleX(' + Math.min(1, ttlMs > 0 ? left / ttlMs : 1).toFixed(4) + ')';
    root.classList.toggle('is-urgent', seconds <= 30);
    // The clock knows before the server says so, and also while the tab is hidden and not polling.
    if (left === 0 && LIVE[state] && state !== 'confirmed') learn({ state: 'expired', expires_at: expiresAt / 1000 });
  }

  code.addEventListener('load', function () {
    if (view === 'renewing' || view === 'unavailable' || view === 'busy') show(state);
  });
  // A finished ticket's image is refused too; the status says why, so only a live code counts here.
  code.addEventListener('error', explainFailedCode);
  retryButton.addEventListener('click', retryCode);
  refreshButton.addEventListener('click', function () {
    frame.focus();
    refresh();
  });
  document.addEventListener('visibilitychange', function () {
    if (!visible()) {
      // Nothing waits on the server for a page nobody looks at.
      stopPolling();
      return;
    }
    if (state === 'expired') refresh(); else poll();
  });
  // Back/forward cache: a restored page's knowledge is stale; ask the server again.
  window.addEventListener('pageshow', function (event) {
    if (event.persisted) location.reload();
  });

  setInterval(tick, 1000);
  show(state === 'expired' ? 'expired' : state);
  if (code.complete && code.naturalWidth === 0 && code.getAttribute('src')) explainFailedCode();
  if (state === 'confirmed') finish();
  else if (state === 'expired' && visible()) refresh();
  else poll();
})();
