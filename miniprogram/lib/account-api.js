// The account centre's API (/mp/account/*), as outcomes the account page can show; the same
// outcome shapes as lib/api.js. Every call but `open` carries the page's own session token.

const config = require('../config.js');
const { outcomeOf } = require('./api.js');

const TIMEOUT_MS = 15000;

/**
 * @param {'GET' | 'POST' | 'DELETE'} method
 * @param {string} path under /mp/account, e.g. '/export'
 * @param {{ token?: string, body?: Record<string, unknown>, language: string }} options
 * @returns {Promise<import('./api.js').Outcome & { code?: string }>}
 */
function call(method, path, options) {
  return new Promise((resolve) => {
    wx.request({
      url: `${config.server}/mp/account${path}`,
      method,
      header: {
        'content-type': 'application/json',
        'Accept-Language': options.language,
        ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
      },
      ...(options.body ? { data: options.body } : {}),
      dataType: 'json',
      timeout: TIMEOUT_MS,
      success: (res) => {
        const outcome = outcomeOf(res.statusCode, res.data);
        const code = res.data && typeof res.data === 'object' ? /** @type {{ error?: string }} */ (res.data).error : undefined;
        resolve(code ? { ...outcome, code } : outcome);
      },
      fail: (err) => resolve({ ok: false, problem: 'offline', detail: err.errMsg }),
    });
  });
}

module.exports = { call };
