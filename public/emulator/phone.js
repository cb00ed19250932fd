// The simulated phone: does what the companion mini-program does, through saoma's /mp/* API.
// No framework and no innerHTML: every value from a server lands in textContent or an attribute.

const $ = (id) => document.getElementById(id);

/** The ticket being confirmed: its scene and the token only this scanner holds. */
let current;

const scopeWords = {
  openid: 'Who you are (a private id for this website, never your WeChat id)',
  profile: 'Your nickname and avatar, if you give them below',
  phone: 'Your phone number',
  email: 'Your email address',
  offline_access: 'Staying signed in on this website',
};

function scopeText(scope) {
  if (typeof scope === 'string') return scopeWords[scope] ?? scope;
  if (scope && typeof scope === 'object') return scope.description ?? scope.text ?? scope.name ?? scope.scope ?? JSON.stringify(scope);
  return String(scope);
}

function timeText(value) {
  if (value === undefined || value === null || value === '') return '';
  // Seconds or milliseconds since the epoch, or an ISO string.
  const date = typeof value === 'number' ? new Date(value < 1e12 ? value * 1000 : value) : new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString();
}

function show(screen) {
  for (const id of ['pick-screen', 'confirm-screen', 'result-screen']) $(id).hidden = id !== screen;
}

function showError(message) {
  $('error').textContent = message;
  $('error').hidden = false;
}

function clearError() {
  $('error').hidden = true;
  $('error').textContent = '';
}

function busy(on) {
  for (const button of document.querySelectorAll('button')) button.disabled = on;
}

async function postJson(url, body) {
  let res;
  try {
    res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  } catch (err) {
    throw new Error(`Could not reach ${url}: ${err.message}`);
  }
  let data = {};
  try {
    data = await res.json();
  } catch {
    // not JSON: reported below by status
  }
  if (!res.ok) throw new Error(data.error_description ?? data.errmsg ?? `${url} answered HTTP ${res.status}`);
  return data;
}

async function scan(scene) {
  clearError();
  const user = $('user').value.trim();
  if (!user) return showError('Type a user name first.');
  if (!scene) return showError('Give the scene of a code, or pick one from the list.');
  localStorage.setItem('emulator.user', user);
  busy(true);
  try {
    // wx.login, then the mini-program's scan call.
    const { code } = await postJson('/emulator/login', { user, unionid: $('unionid').checked });
    const answer = await postJson('/mp/scan', { scene, code });
    current = { scene, token: answer.token };
    showConfirm(answer);
  } catch (err) {
    showError(err.message);
  } finally {
    busy(false);
  }
}

function showConfirm(answer) {
  const client = answer.client ?? {};
  $('client-name').textContent = client.name || client.client_id || 'A website';
  $('client-uri').textContent = client.client_uri ?? '';
  const logo = $('client-logo');
  logo.hidden = !client.logo_uri;
  if (client.logo_uri) logo.src = client.logo_uri;
  else logo.removeAttribute('src');

  $('scopes').replaceChildren(...(answer.scopes ?? []).map((scope) => {
    const li = document.createElement('li');
    li.textContent = scopeText(scope);
    return li;
  }));

  const requester = answer.requester ?? {};
  const rows = [
    ['Browser', requester.browser],
    ['Operating system', requester.os],
    ['Region', requester.region],
    ['Network', requester.network],
    ['IP address', requester.ip],
    ['Time', timeText(requester.time)],
  ];
  $('requester').replaceChildren(...rows.flatMap(([label, value]) => {
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.textContent = value || 'unknown';
    return [dt, dd];
  }));
  // The browser is on another network than this phone (a relayed code?): say so first, and make
  // Cancel the primary choice. The message comes in the page's language (zh-CN or en).
  const warning = answer.warning && typeof answer.warning.message === 'string' ? answer.warning.message : '';
  $('network-warning').textContent = warning;
  $('network-warning').hidden = !warning;
  $('cancel').classList.toggle('primary', Boolean(warning));
  $('confirm').classList.toggle('primary', !warning);
  $('nickname').value = '';
  show('confirm-screen');
}

async function decide(action) {
  clearError();
  if (!current) return;
  const nickname = $('nickname').value.trim();
  const body = action === 'confirm' && nickname ? { ...current, nickname } : { ...current };
  busy(true);
  try {
    await postJson(`/mp/${action}`, body);
    current = undefined;
    $('result').textContent = action === 'confirm'
      ? 'Confirmed. The website signs you in now; you can put your phone away.'
      : 'Cancelled. The website will not sign you in.';
    show('result-screen');
  } catch (err) {
    showError(err.message);
  } finally {
    busy(false);
  }
}

let shownCodes = '';

async function refreshCodes() {
  let codes;
  try {
    const res = await fetch('/emulator/codes');
    ({ codes } = await res.json());
  } catch {
    return;
  }
  const fingerprint = JSON.stringify(codes);
  // Redraw only on change, so a click is never lost to a list rebuilt under the pointer.
  if (fingerprint === shownCodes) return;
  shownCodes = fingerprint;
  $('no-codes').hidden = codes.length > 0;
  $('code-list').replaceChildren(...codes.slice(0, 20).map((code) => {
    const li = document.createElement('li');
    const scene = document.createElement('code');
    scene.textContent = code.scene;
    const about = document.createElement('span');
    about.className = 'muted';
    about.textContent = `${timeText(code.created_at)} · ${code.env_version}`;
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = 'Scan';
    button.dataset.testid = 'scan-code';
    button.dataset.scene = code.scene;
    button.addEventListener('click', () => {
      $('scene').value = code.scene;
      scan(code.scene);
    });
    li.append(scene, about, button);
    return li;
  }));
}

$('user').value = localStorage.getItem('emulator.user') ?? $('user').value;
// A scanned code opens this page with ?scene=, as WeChat opens the mini-program page with it.
$('scene').value = new URLSearchParams(location.search).get('scene') ?? '';
$('who').addEventListener('submit', (event) => event.preventDefault());
$('scan-form').addEventListener('submit', (event) => {
  event.preventDefault();
  scan($('scene').value.trim());
});
$('confirm-form').addEventListener('submit', (event) => {
  event.preventDefault();
  decide('confirm');
});
$('cancel').addEventListener('click', () => decide('cancel'));
$('again').addEventListener('click', () => {
  clearError();
  show('pick-screen');
  refreshCodes();
});
$('refresh-codes').addEventListener('click', refreshCodes);
refreshCodes();
setInterval(() => {
  if (!$('pick-screen').hidden && document.visibilityState === 'visible') refreshCodes();
}, 3000);
