// saoma's mini-program API (/mp/*), as outcomes the page can show: every answer, failure and
// non-answer of the network becomes either { ok: true, data } or a problem with a screen of its own.

const config = require('../config.js');

/**
 * expired: the code is finished, unknown or no longer ours; taken: another WeChat user holds it;
 * already-confirmed: our own confirm got through before (an answer lost on the way);
 * offline: no answer at all; busy: rate limited; blocked: WeChat refused this user;
 * account-blocked: the service's operator blocked this account (login_blocked without WeChat's errcode); error: the rest.
 * @typedef {'expired' | 'taken' | 'already-confirmed' | 'offline' | 'busy' | 'blocked' | 'account-blocked' | 'error'} Problem
 * @typedef {{ ok: true, data: unknown } | { ok: false, problem: Problem, detail: string }} Outcome
 */

/** saoma's stable error codes (docs/login.md), by the screen each one leads to. */
/** @type {Record<string, Problem>} */
const PROBLEMS = {
  ticket_not_found: 'expired',
  ticket_expired: 'expired',
  ticket_cancelled: 'expired',
  ticket_consumed: 'expired',
  invalid_token: 'expired',
  ticket_already_scanned: 'taken',
  ticket_already_confirmed: 'already-confirmed',
  rate_limited: 'busy',
  login_blocked: 'blocked',
};

/** Long enough for saoma's own WeChat call (5 s by default), short enough not to leave a person waiting. */
const TIMEOUT_MS = 15000;

/**
 * @param {number} statusCode
 * @param {unknown} data
 * @returns {Outcome}
 */
function outcomeOf(statusCode, data) {
  if (statusCode >= 200 && statusCode < 300) return { ok: true, data };
  const code = typeof data === 'object' && data !== null && typeof (/** @type {{ error?: unknown }} */ (data)).error === 'string'
    ? String((/** @type {{ error: string }} */ (data)).error)
    : '';
  const fromWeChat = typeof data === 'object' && data !== null && (/** @type {{ errcode?: unknown }} */ (data)).errcode !== undefined;
  const problem = code === 'login_blocked' && !fromWeChat ? 'account-blocked' : (code && PROBLEMS[code]) || 'error';
  return { ok: false, problem, detail: code ? `${code} (${statusCode})` : `HTTP ${statusCode}` };
}

/**
 * POST a JSON body to one of saoma's /mp/* routes.
 * @param {string} path e.g. '/mp/scan'
 * @param {Record<string, string>} body
 * @param {string} language Accept-Language for the words saoma sends back
 * @returns {Promise<Outcome>}
 */
function post(path, body, language) {
  return new Promise((resolve) => {
    wx.request({
      url: config.server + path,
      method: 'POST',
      header: { 'content-type': 'application/json', 'Accept-Language': language },
      data: body,
      dataType: 'json',
      timeout: TIMEOUT_MS,
      success: (res) => resolve(outcomeOf(res.statusCode, res.data)),
      fail: (err) => resolve({ ok: false, problem: 'offline', detail: err.errMsg }),
    });
  });
}

/**
 * Uploads a local picture to /mp/avatar as the scanner of `scene`.
 * @param {string} filePath WeChat's temporary path of the picture
 * @param {{ scene: string, token: string }} session
 * @returns {Promise<Outcome>}
 */
function uploadAvatar(filePath, session) {
  return new Promise((resolve) => {
    wx.uploadFile({
      url: `${config.server}/mp/avatar`,
      filePath,
      name: 'avatar',
      formData: { scene: session.scene, token: session.token },
      timeout: TIMEOUT_MS,
      success: (res) => {
        let data = /** @type {unknown} */ (res.data);
        try {
          data = JSON.parse(res.data);
        } catch (err) {
          // not JSON: outcomeOf reports it by its status
        }
        resolve(outcomeOf(res.statusCode, data));
      },
      fail: (err) => resolve({ ok: false, problem: 'offline', detail: err.errMsg }),
    });
  });
}

/**
 * A wx.login code: what /mp/scan exchanges for who this WeChat user is.
 * @returns {Promise<{ ok: true, code: string } | { ok: false, problem: Problem, detail: string }>}
 */
function wxLogin() {
  return new Promise((resolve) => {
    wx.login({
      timeout: TIMEOUT_MS,
      success: (res) => resolve(res.code ? { ok: true, code: res.code } : { ok: false, problem: 'error', detail: 'wx.login gave no code' }),
      fail: (err) => resolve({ ok: false, problem: 'offline', detail: err.errMsg }),
    });
  });
}

/**
 * A smaller copy of a picture (avatars are shown small); the original when WeChat cannot shrink it.
 * @param {string} src
 * @returns {Promise<string>}
 */
function shrink(src) {
  return new Promise((resolve) => {
    wx.compressImage({
      src,
      quality: 80,
      compressedWidth: 256,
      success: (res) => resolve(res.tempFilePath || src),
      fail: () => resolve(src),
    });
  });
}

module.exports = { post, uploadAvatar, wxLogin, shrink, outcomeOf };
