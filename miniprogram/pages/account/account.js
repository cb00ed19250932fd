// The account centre: the person sees the websites they signed in to, withdraws one, signs out
// everywhere, exports their data or deletes their account. Its session comes from a fresh
// wx.login and is good for this page only. Written with Component() so miniprogram-simulate can
// render it in tests (it has no Page()).

const { wxLogin } = require('../../lib/api.js');
const { call } = require('../../lib/account-api.js');
const { accountTexts } = require('../../lib/account-texts.js');

/** @typedef {'loading' | 'list' | 'export' | 'delete' | 'deleted' | 'none' | 'expired' | 'offline' | 'error'} Screen */

function weChatLanguage() {
  try {
    return typeof wx.getAppBaseInfo === 'function' ? wx.getAppBaseInfo().language : wx.getSystemInfoSync().language;
  } catch (err) {
    return 'zh_CN';
  }
}

/**
 * A date as the person reads it: 2026-12-02 04:35.
 * @param {number | null | undefined} seconds
 */
function when(seconds) {
  if (!seconds) return '—';
  const d = new Date(seconds * 1000);
  const two = (/** @type {number} */ n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

Component({
  data: {
    t: accountTexts('zh_CN'),
    language: 'zh-CN',
    screen: /** @type {Screen} */ ('loading'),
    token: '',
    nickname: '',
    websites: /** @type {Array<{ client_id: string, name: string, logo: string, shared: string, used: string }>} */ ([]),
    notice: '',
    exportText: '',
  },
  methods: {
    onLoad() {
      const language = weChatLanguage();
      const t = accountTexts(language);
      this.setData({ t, language: /^zh/i.test(language) ? 'zh-CN' : 'en' });
      if (typeof wx.setNavigationBarTitle === 'function') wx.setNavigationBarTitle({ title: t.navTitle });
      this.open();
    },

    async open() {
      this.setData({ screen: 'loading', notice: '' });
      const login = await wxLogin();
      if (!login.ok) return this.fail(login);
      const session = await call('POST', '/session', { body: { code: login.code }, language: this.data.language });
      if (!session.ok) return this.fail(session);
      this.setData({ token: /** @type {{ token: string }} */ (session.data).token });
      return this.load();
    },

    async load(notice = '') {
      const answer = await this.ask('GET', '');
      if (!answer.ok) return this.fail(answer);
      const { account, websites } = /** @type {{ account: { nickname: string | null }, websites: Array<any> }} */ (answer.data);
      const t = this.data.t;
      this.setData({
        screen: 'list',
        notice,
        nickname: account.nickname || '',
        websites: websites.map((w) => ({
          client_id: w.client_id,
          name: w.name,
          logo: w.logo_uri || '../../images/website.svg',
          shared: t.shared.replace('{what}', w.scopes.map((/** @type {string} */ s) => (/** @type {Record<string, string>} */ (t.scopes))[s] || s).join(language(this.data.language))),
          used: t.lastUsed.replace('{when}', when(w.last_used_at || w.granted_at)),
        })),
      });
    },

    /** @param {{ currentTarget: { dataset: { client: string } } }} event */
    async withdraw(event) {
      const clientId = event.currentTarget.dataset.client;
      const site = this.data.websites.find((w) => w.client_id === clientId);
      const answer = await this.ask('POST', `/websites/${encodeURIComponent(clientId)}/withdraw`);
      if (!answer.ok) return this.fail(answer);
      return this.load(this.data.t.withdrawn.replace('{name}', site ? site.name : clientId));
    },

    async signOutEverywhere() {
      const answer = await this.ask('POST', '/sign-out-everywhere');
      if (!answer.ok) return this.fail(answer);
      return this.load(this.data.t.signedOutEverywhere);
    },

    async exportData() {
      const answer = await this.ask('GET', '/export');
      if (!answer.ok) return this.fail(answer);
      this.setData({ screen: 'export', exportText: JSON.stringify(answer.data, null, 2), notice: '' });
    },

    copy() {
      wx.setClipboardData({ data: this.data.exportText, success: () => this.setData({ notice: this.data.t.copied }) });
    },

    askDelete() {
      this.setData({ screen: 'delete', notice: '' });
    },

    back() {
      this.load();
    },

    async confirmDelete() {
      const answer = await this.ask('DELETE', '', { confirm: true });
      if (!answer.ok) return this.fail(answer);
      this.setData({ screen: 'deleted', token: '', websites: [], exportText: '' });
    },

    /**
     * @param {'GET' | 'POST' | 'DELETE'} method
     * @param {string} path
     * @param {Record<string, unknown>} [body]
     */
    ask(method, path, body) {
      return call(method, path, { token: this.data.token, language: this.data.language, ...(body ? { body } : {}) });
    },

    /** @param {{ problem: string, code?: string }} outcome */
    fail(outcome) {
      const screen = outcome.code === 'account_not_found' ? 'none'
        : outcome.code === 'invalid_token' ? 'expired'
          : outcome.problem === 'offline' ? 'offline' : 'error';
      this.setData({ screen });
    },
  },
});

/**
 * How a list of what was shared is joined in the page's language.
 * @param {string} lang
 */
function language(lang) {
  return lang === 'zh-CN' ? '、' : ', ';
}
