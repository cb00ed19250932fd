// The login page: WeChat opens it with the scanned code's scene. It says who asks to sign the
// person in and from where, and sends their answer to saoma. Written with Component() so that
// miniprogram-simulate can render it in tests (it has no Page()).

const api = require('../../lib/api.js');
const { loginRequestFrom, isState, avatarUrlFrom } = require('../../lib/answers.js');
const { sceneFrom, openedWithoutCode } = require('../../lib/scene.js');
const privacy = require('../../lib/privacy.js');
const { textsFor, acceptLanguage, withName } = require('../../lib/texts.js');

/**
 * @typedef {'welcome' | 'loading' | 'confirm' | 'done' | 'cancelled' | 'expired' | 'taken' | 'offline' | 'error'} Screen
 * @typedef {import('../../lib/api.js').Problem} Problem
 * @typedef {import('../../lib/texts.js').Texts} Texts
 */

/** The screen each problem shows; already-confirmed is a success, handled where it can happen. */
/** @type {Record<Problem, Screen>} */
const SCREEN_OF = { expired: 'expired', taken: 'taken', 'already-confirmed': 'done', offline: 'offline', busy: 'error', blocked: 'error', 'account-blocked': 'error', error: 'error' };

/**
 * The mini-program's quota of phone numbers is used up: WeChat's phone button then gives errno
 * 1400001 and no code, on the phone itself (no server call happens). The button carries
 * phone-number-no-quota-toast="{{false}}", so the page's note is the only message the person sees.
 */
const PHONE_QUOTA_EXHAUSTED = 1400001;

/**
 * What WeChat still waits to hear about the privacy agreement, per page (functions cannot live in
 * a page's data). Each must be answered once: a privacy ability waits until it is.
 * @type {WeakMap<object, Array<import('../../lib/privacy.js').Answer>>}
 */
const privacyAnswers = new WeakMap();

/** WeChat's language ('zh_CN', 'en', …); older base libraries only have getSystemInfoSync. */
function weChatLanguage() {
  try {
    return typeof wx.getAppBaseInfo === 'function' ? wx.getAppBaseInfo().language : wx.getSystemInfoSync().language;
  } catch (err) {
    return 'zh_CN';
  }
}

Component({
  data: {
    t: textsFor('zh_CN'),
    language: 'zh-CN',
    screen: /** @type {Screen} */ ('loading'),
    /** The code being answered: its scene, and the token that /mp/scan gave only this scanner. */
    session: { scene: '', token: '' },
    site: { name: '', host: '', logo: '' },
    /** Sentences that name the website (and what it may receive). */
    words: { confirmTitle: '', scopesTitle: '', privacyAsk: '', privacyDeclined: '' },
    scopes: /** @type {Array<{ scope: string, description: string }>} */ ([]),
    requester: { browser: '', os: '', ip: '', time: '', region: '', network: '' },
    /** saoma says the browser is on another network than this phone: warn first, Cancel first. */
    otherNetwork: false,
    askProfile: false,
    askPhone: false,
    /**
     * The privacy agreement, when the website asked for a profile or phone number: '' not known
     * yet, 'asking' (the prompt shows), 'agreed' (the nickname, avatar and phone abilities show)
     * or 'declined' (the login goes on without them).
     */
    privacy: /** @type {'' | 'asking' | 'agreed' | 'declined'} */ (''),
    /** The guide's name as the operator entered it in WeChat's console ('' = the page's own words). */
    privacyGuide: '',
    nickname: '',
    avatar: { state: /** @type {'' | 'uploading' | 'uploaded' | 'failed'} */ (''), preview: '', url: '' },
    phone: { state: /** @type {'' | 'given' | 'declined' | 'unavailable'} */ (''), code: '', note: '' },
    /** A confirm or cancel is on its way: every further tap is ignored until it is answered. */
    busy: false,
    /** Which of the two is on its way (its button spins). */
    sending: /** @type {'' | 'confirm' | 'cancel'} */ (''),
    /** What the result and problem screens say, and what "Try again" does ('' = no button). */
    message: { title: '', text: '', detail: '' },
    retry: /** @type {'' | 'scan' | 'answer'} */ (''),
  },

  methods: {
    /** @param {Record<string, string | undefined>} options the page's query: { scene } */
    onLoad(options) {
      const language = weChatLanguage();
      const t = textsFor(language);
      this.setData({ t, language: acceptLanguage(language) });
      wx.setNavigationBarTitle({ title: t.navTitle });
      if (openedWithoutCode(options)) {
        this.setData({ screen: 'welcome' });
        return;
      }
      const scene = sceneFrom(options);
      if (!scene) {
        this.showProblem('expired', 'no valid scene');
        return;
      }
      privacyAnswers.set(this, []);
      privacy.onAgreementNeeded((answer) => {
        (privacyAnswers.get(this) || []).push(answer);
        this.setData({ privacy: 'asking' });
      });
      this.setData({ session: { scene, token: '' } });
      this.scan();
    },

    /** wx.login, then /mp/scan: binds the code to this WeChat user and learns what to show. */
    async scan() {
      const scene = this.data.session.scene;
      this.setData({ screen: 'loading', retry: '' });
      const login = await api.wxLogin();
      if (!login.ok) {
        this.showProblem(login.problem, login.detail, 'scan');
        return;
      }
      const answer = await api.post('/mp/scan', { scene, code: login.code }, this.data.language);
      if (!answer.ok) {
        this.showProblem(answer.problem, answer.detail, 'scan');
        return;
      }
      const request = loginRequestFrom(answer.data);
      if (!request) {
        this.showProblem('error', 'unexpected answer from /mp/scan', 'scan');
        return;
      }
      const { t } = this.data;
      const has = (/** @type {string} */ scope) => request.scopes.some((s) => s.scope === scope);
      const askProfile = has('profile');
      const askPhone = has('phone');
      const what = askProfile && askPhone ? t.whatProfileAndPhone : askPhone ? t.whatPhone : t.whatProfile;
      const name = request.site.name;
      this.setData({
        screen: 'confirm',
        session: { scene, token: request.token },
        site: request.site,
        words: {
          confirmTitle: withName(t.confirmTitle, name),
          scopesTitle: withName(t.scopesTitle, name),
          privacyAsk: withName(t.privacyAsk, name, what),
          privacyDeclined: withName(t.privacyDeclined, name, what),
        },
        scopes: request.scopes,
        requester: {
          browser: request.requester.browser || t.unknown,
          os: request.requester.os || t.unknown,
          ip: request.requester.ip || t.unknown,
          time: request.requester.time || t.unknown,
          region: request.requester.region || t.unknown,
          network: request.requester.network || t.unknown,
        },
        otherNetwork: request.otherNetwork,
        askProfile,
        askPhone,
        privacy: '',
        nickname: '',
        avatar: { state: '', preview: '', url: '' },
        phone: { state: '', code: '', note: '' },
        busy: false,
      });
      if (askProfile || askPhone) this.askPrivacy();
    },

    /**
     * The nickname, avatar and phone abilities need the privacy agreement: someone who agreed
     * before sees them at once; anyone else is asked first (through WeChat's prompt listener, so
     * one prompt serves this request and any ability WeChat holds back on its own).
     */
    async askPrivacy() {
      const token = this.data.session.token;
      const still = () => this.data.session.token === token && this.data.screen === 'confirm' && !this.data.busy;
      const { needed, guide } = await privacy.agreementNeeded();
      if (!still()) return;
      this.setData({ privacyGuide: guide });
      if (!needed) {
        this.setData({ privacy: 'agreed' });
        return;
      }
      const agreed = await privacy.requireAgreement();
      if (still()) this.setData({ privacy: agreed ? 'agreed' : 'declined' });
    },

    /** The agree button (open-type="agreePrivacyAuthorization"): WeChat has recorded the agreement. */
    onAgreePrivacy() {
      this.answerPrivacy(true);
      this.setData({ privacy: 'agreed' });
    },

    onDeclinePrivacy() {
      this.answerPrivacy(false);
      this.setData({ privacy: 'declined' });
    },

    onOpenPrivacyGuide() {
      privacy.openGuide();
    },

    /** @param {boolean} agreed tells every privacy ability still waiting whether it may go on */
    answerPrivacy(agreed) {
      const waiting = privacyAnswers.get(this) || [];
      privacyAnswers.set(this, []);
      for (const answer of waiting) answer(agreed);
    },

    /** The website's logo did not load: show the neutral one. */
    onLogoError() {
      this.setData({ 'site.logo': '' });
    },

    /** @param {{ detail: { avatarUrl?: string } }} e WeChat's avatar picker: a temporary local path */
    async onChooseAvatar(e) {
      const picked = e.detail && e.detail.avatarUrl;
      if (!picked || this.data.busy) return;
      const session = this.data.session;
      this.setData({ avatar: { state: 'uploading', preview: picked, url: '' } });
      const uploaded = await api.uploadAvatar(await api.shrink(picked), session);
      // Another pick, or another scan, since: that one decides.
      if (this.data.session.token !== session.token || this.data.avatar.preview !== picked) return;
      const url = uploaded.ok ? avatarUrlFrom(uploaded.data) : undefined;
      this.setData({ avatar: url ? { state: 'uploaded', preview: picked, url } : { state: 'failed', preview: picked, url: '' } });
    },

    /** @param {{ detail: { code?: string, errno?: number } }} e WeChat's phone-number button */
    onPhoneNumber(e) {
      const detail = e.detail || {};
      const { t, site } = this.data;
      if (detail.code) this.setData({ phone: { state: 'given', code: detail.code, note: withName(t.phoneGiven, site.name) } });
      else if (detail.errno === PHONE_QUOTA_EXHAUSTED) this.setData({ phone: { state: 'unavailable', code: '', note: t.phoneUnavailable } });
      else this.setData({ phone: { state: 'declined', code: '', note: withName(t.phoneDeclined, site.name) } });
    },

    /**
     * The form's submit: Confirm. The nickname comes from the form, after WeChat's own check of it.
     * @param {{ detail: { value?: Record<string, unknown> } }} e
     */
    async onConfirm(e) {
      if (this.data.busy || this.data.screen !== 'confirm' || this.data.avatar.state === 'uploading') return;
      const value = (e.detail && e.detail.value) || {};
      const nickname = String(value.nickname || '').trim().slice(0, 64);
      this.setData({ busy: true, sending: 'confirm', nickname });
      // Confirming without answering the prompt is not agreeing to it.
      this.answerPrivacy(false);
      const { session, avatar, phone } = this.data;
      /** @type {Record<string, string>} */
      const body = { scene: session.scene, token: session.token };
      if (nickname) body.nickname = nickname;
      if (avatar.url) body.avatar_url = avatar.url;
      if (phone.code) body.phone_code = phone.code;
      const answer = await api.post('/mp/confirm', body, this.data.language);
      if (answer.ok && isState(answer.data, 'confirmed')) this.showResult('done');
      else if (answer.ok) this.showProblem('error', 'unexpected answer from /mp/confirm', 'answer');
      else this.showProblem(answer.problem, answer.detail, 'answer');
    },

    async onCancel() {
      if (this.data.busy || this.data.screen !== 'confirm') return;
      this.setData({ busy: true, sending: 'cancel' });
      this.answerPrivacy(false);
      const { session } = this.data;
      const answer = await api.post('/mp/cancel', { scene: session.scene, token: session.token }, this.data.language);
      if (answer.ok && isState(answer.data, 'cancelled')) this.showResult('cancelled');
      else if (answer.ok) this.showProblem('error', 'unexpected answer from /mp/cancel', 'answer');
      // Our own earlier confirm went through: cancelling is no longer possible, so say so.
      else if (answer.problem === 'already-confirmed') this.showResult('done');
      else this.showProblem(answer.problem, answer.detail, 'answer');
    },

    /** "Try again": a failed scan scans again; a failed answer goes back to the confirm screen. */
    onRetry() {
      if (this.data.retry === 'scan') this.scan();
      else if (this.data.retry === 'answer') this.setData({ screen: 'confirm', busy: false, sending: '', retry: '' });
    },

    /** @param {'done' | 'cancelled'} screen */
    showResult(screen) {
      const { t, site } = this.data;
      const title = screen === 'done' ? t.doneTitle : t.cancelledTitle;
      this.setData({ screen, busy: false, sending: '', retry: '', message: { title, text: withName(t[screen], site.name), detail: '' } });
    },

    /**
     * @param {Problem} problem
     * @param {string} detail for support: which error, shown small
     * @param {'' | 'scan' | 'answer'} [retry] what "Try again" does, where trying again can help
     */
    showProblem(problem, detail, retry = '') {
      const screen = SCREEN_OF[problem];
      if (screen === 'done') {
        this.showResult('done');
        return;
      }
      const { t } = this.data;
      const texts = {
        expired: [t.expiredTitle, t.expired],
        taken: [t.takenTitle, t.taken],
        offline: [t.offlineTitle, t.offline],
        error: [t.errorTitle, problem === 'busy' ? t.busy : problem === 'blocked' ? t.blocked : problem === 'account-blocked' ? t.accountBlocked : t.error],
      };
      const [title, text] = texts[/** @type {'expired' | 'taken' | 'offline' | 'error'} */ (screen)];
      const canRetry = screen === 'offline' || screen === 'error';
      this.setData({ screen, busy: false, sending: '', retry: canRetry ? retry : '', message: { title, text, detail: screen === 'error' ? detail : '' } });
    },
  },
});
