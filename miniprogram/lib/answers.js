// The server's answers, checked before the page shows anything from them: an answer of another
// shape (a proxy's error page, a newer or older server) becomes an error screen, never a crash.

const { hostOf, localTime } = require('./format.js');

/**
 * @typedef {object} LoginRequest What the confirm screen shows about one scanned code.
 * @property {string} token the scan token only this scanner holds
 * @property {{ name: string, host: string, logo: string }} site
 * @property {Array<{ scope: string, description: string }>} scopes
 * @property {{ browser: string, os: string, ip: string, time: string, region: string, network: string }} requester
 * @property {boolean} otherNetwork saoma warns that the browser is on another network than this phone
 */

/**
 * @param {unknown} value
 * @returns {value is Record<string, unknown>}
 */
function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** @param {unknown} value */
function text(value) {
  return typeof value === 'string' ? value : '';
}

/**
 * The /mp/scan answer as the confirm screen needs it, or undefined when it is not one.
 * @param {unknown} data
 * @returns {LoginRequest | undefined}
 */
function loginRequestFrom(data) {
  if (!isObject(data) || data.state !== 'scanned' || !text(data.token)) return undefined;
  const client = data.client;
  const requester = data.requester;
  if (!isObject(client) || !isObject(requester) || !Array.isArray(data.scopes)) return undefined;
  const name = text(client.name) || text(client.client_id);
  if (!name) return undefined;
  /** @type {Array<{ scope: string, description: string }>} */
  const scopes = [];
  for (const item of data.scopes) {
    if (typeof item === 'string') scopes.push({ scope: item, description: item });
    else if (isObject(item) && text(item.scope)) scopes.push({ scope: text(item.scope), description: text(item.description) || text(item.scope) });
    else return undefined;
  }
  const logo = text(client.logo_uri);
  return {
    token: text(data.token),
    site: { name, host: hostOf(text(client.client_uri)), logo: /^https?:\/\//i.test(logo) ? logo : '' },
    scopes,
    requester: {
      browser: text(requester.browser),
      os: text(requester.os),
      ip: text(requester.ip),
      time: localTime(typeof requester.time === 'number' ? requester.time : text(requester.time)),
      // Added by saoma later than the others: an older server's answer has neither (shown as unknown).
      region: text(requester.region),
      network: text(requester.network),
    },
    otherNetwork: isObject(data.warning) && data.warning.code === 'different_network',
  };
}

/**
 * @param {unknown} data
 * @param {'confirmed' | 'cancelled'} state
 */
function isState(data, state) {
  return isObject(data) && data.state === state;
}

/**
 * The avatar URL from the /mp/avatar answer (wx.uploadFile hands over the body as text).
 * @param {unknown} data
 * @returns {string | undefined}
 */
function avatarUrlFrom(data) {
  let value = data;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch (err) {
      return undefined;
    }
  }
  const url = isObject(value) ? text(value.avatar_url) : '';
  return /^https?:\/\//i.test(url) ? url : undefined;
}

module.exports = { loginRequestFrom, isState, avatarUrlFrom, isObject };
