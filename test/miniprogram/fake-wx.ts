import { readFileSync } from 'node:fs';

/**
 * A scripted WeChat for the component tests: `wx.login`, `wx.request`, `wx.uploadFile` and
 * friends answer what each test queued, asynchronously as the real ones do, and every call is
 * recorded. Replies to /mp/* can be held back to model a slow network (double taps). The privacy
 * agreement works as WeChat's does (base library ≥ 2.32.3): a privacy request from someone who has
 * not agreed waits on the page's `onNeedPrivacyAuthorization` listener until it calls `resolve`.
 */

/** An HTTP answer, or the network failing (wx.request's `fail`). */
export type Reply = { status: number; data: unknown } | { offline: string };

export interface Call {
  api: 'login' | 'request' | 'uploadFile' | 'compressImage' | 'getPrivacySetting' | 'requirePrivacyAuthorize' | 'openPrivacyContract' | 'showToast' | 'showModal';
  path?: string;
  data?: Record<string, unknown>;
  formData?: Record<string, unknown>;
  filePath?: string;
  name?: string;
  header?: Record<string, string>;
}

type Callbacks = { success?: (res: any) => void; fail?: (err: any) => void; complete?: () => void };

/** What the page passes to WeChat's `resolve` in its onNeedPrivacyAuthorization listener. */
export type PrivacyAnswer = { event: 'agree' | 'disagree' | 'exposureAuthorization'; buttonId?: string };
type PrivacyListener = (resolve: (answer: PrivacyAnswer) => void, info: { referrer: string }) => void;

export class FakeWx {
  readonly calls: Call[] = [];
  language = 'en';
  title = '';
  /** What wx.login answers: a code, or a failure. */
  login: { code: string } | { fail: string } = { code: 'wx-login-code' };
  /** Whether the person has agreed to the mini-program's privacy guide (WeChat remembers it). */
  privacyAgreed = true;
  /** The guide's name as the operator entered it in WeChat's console. */
  privacyGuide = '';
  /** Everything the page passed to `resolve`, in order. */
  readonly privacyAnswers: PrivacyAnswer[] = [];
  /** How many privacy requests wait for the page to answer (each must be answered, or it waits for ever). */
  privacyWaiting = 0;
  readonly #agreeTaps = new Set<string>();
  #privacyListener: PrivacyListener | undefined;
  #wx: Record<string, unknown> | undefined;
  readonly #replies = new Map<string, Reply[]>();
  #held: Array<() => void> | undefined;
  #pending = 0;

  /** Queues the answers for one path (`/mp/scan`), used in order; the last one repeats. */
  reply(path: string, ...replies: Reply[]): this {
    this.#replies.set(path, replies);
    return this;
  }

  /** From now on, /mp/* answers wait until `release()`. */
  hold(): void {
    this.#held = [];
  }

  release(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const answer of held) answer();
  }

  /** How many calls will be answered without waiting for `release()`. */
  get due(): number {
    return this.#pending - (this.#held?.length ?? 0);
  }

  requests(path: string): Call[] {
    return this.calls.filter((call) => call.path === path);
  }

  /**
   * The person taps a button with open-type="agreePrivacyAuthorization": WeChat records the
   * agreement (then fires the button's agreeprivacyauthorization event, which the test does).
   */
  tapAgreePrivacy(buttonId: string): void {
    this.privacyAgreed = true;
    this.#agreeTaps.add(buttonId);
  }

  /**
   * A privacy ability (e.g. 'button.getPhoneNumber') is used before the person agreed: WeChat asks
   * the page's listener, and the ability waits (not counted as due: it waits on the person) until
   * the page calls resolve with 'agree' or 'disagree'.
   */
  needPrivacy(referrer: string, settled: (agreed: boolean) => void): void {
    const listener = this.#privacyListener;
    if (!listener) throw new Error(`${referrer} needs the privacy agreement and the page registered no onNeedPrivacyAuthorization listener: WeChat would wait for ever`);
    this.privacyWaiting++;
    let open = true;
    listener((answer) => {
      this.privacyAnswers.push(answer);
      if (answer.event === 'exposureAuthorization' || !open) return;
      open = false;
      this.privacyWaiting--;
      // WeChat lets the ability go on only if the named agree button was really tapped.
      const agreed = answer.event === 'agree' && answer.buttonId !== undefined && this.#agreeTaps.has(answer.buttonId);
      this.#answer(false, () => settled(agreed), {});
    }, { referrer });
  }

  /** A base library older than 2.32.3: no privacy agreement and none of its functions. */
  withoutPrivacyApis(): void {
    for (const name of ['getPrivacySetting', 'requirePrivacyAuthorize', 'onNeedPrivacyAuthorization', 'openPrivacyContract']) delete this.#wx![name];
  }

  /** Puts this fake in place of the wx functions the page uses (the rest stay simulate's stubs). */
  install(wx: Record<string, unknown>): void {
    this.#wx = wx;
    wx.getAppBaseInfo = () => ({ language: this.language });
    wx.getSystemInfoSync = () => ({ language: this.language });
    wx.setNavigationBarTitle = (options: { title: string }) => {
      this.title = options.title;
    };
    wx.login = (options: Callbacks) => {
      this.calls.push({ api: 'login' });
      const login = this.login;
      this.#answer(false, () => ('code' in login ? options.success?.({ code: login.code, errMsg: 'login:ok' }) : options.fail?.({ errMsg: `login:fail ${login.fail}` })), options);
    };
    wx.request = (options: Callbacks & { url: string; data: Record<string, unknown>; header: Record<string, string> }) => {
      const path = pathOf(options.url);
      this.calls.push({ api: 'request', path, data: options.data, header: options.header });
      const reply = this.#next(path);
      this.#answer(true, () => deliver(reply, options, 'request', (data) => data), options);
    };
    wx.uploadFile = (options: Callbacks & { url: string; filePath: string; name: string; formData: Record<string, unknown> }) => {
      const path = pathOf(options.url);
      this.calls.push({ api: 'uploadFile', path, filePath: options.filePath, name: options.name, formData: options.formData });
      const reply = this.#next(path);
      // wx.uploadFile hands the body over as text, whatever its type.
      this.#answer(true, () => deliver(reply, options, 'uploadFile', (data) => (typeof data === 'string' ? data : JSON.stringify(data))), options);
    };
    wx.getPrivacySetting = (options: Callbacks) => {
      this.calls.push({ api: 'getPrivacySetting' });
      this.#answer(false, () => options.success?.({ needAuthorization: !this.privacyAgreed, privacyContractName: this.privacyGuide, errMsg: 'getPrivacySetting:ok' }), options);
    };
    wx.onNeedPrivacyAuthorization = (listener: PrivacyListener) => {
      this.#privacyListener = listener;
    };
    wx.requirePrivacyAuthorize = (options: Callbacks) => {
      this.calls.push({ api: 'requirePrivacyAuthorize' });
      const settled = (agreed: boolean) => {
        if (agreed) options.success?.({ errMsg: 'requirePrivacyAuthorize:ok' });
        else options.fail?.({ errMsg: 'requirePrivacyAuthorize:fail privacy permission is not authorized', errno: 104 });
        options.complete?.();
      };
      if (this.privacyAgreed) this.#answer(false, () => settled(true), {});
      else this.needPrivacy('requirePrivacyAuthorize', settled);
    };
    wx.openPrivacyContract = (options: Callbacks) => {
      this.calls.push({ api: 'openPrivacyContract' });
      this.#answer(false, () => options.success?.({ errMsg: 'openPrivacyContract:ok' }), options);
    };
    // The page has its own words for every outcome; WeChat's toasts and dialogs would be a second message.
    wx.showToast = () => void this.calls.push({ api: 'showToast' });
    wx.showModal = () => void this.calls.push({ api: 'showModal' });
    wx.compressImage = (options: Callbacks & { src: string }) => {
      this.calls.push({ api: 'compressImage', filePath: options.src });
      this.#answer(false, () => options.success?.({ tempFilePath: options.src.replace(/(\.\w+)$/, '-small$1') }), options);
    };
  }

  #next(path: string): Reply {
    const queue = this.#replies.get(path);
    if (!queue?.length) throw new Error(`the test queued no reply for ${path}`);
    return queue.length > 1 ? queue.shift()! : queue[0]!;
  }

  #answer(holdable: boolean, answer: () => void, options: Callbacks): void {
    this.#pending++;
    const run = () => {
      this.#pending--;
      answer();
      options.complete?.();
    };
    if (holdable && this.#held) this.#held.push(() => setTimeout(run, 0));
    else setTimeout(run, 0);
  }
}

function pathOf(url: string): string {
  return new URL(url).pathname;
}

function deliver(reply: Reply, options: Callbacks, api: string, body: (data: unknown) => unknown): void {
  if ('offline' in reply) options.fail?.({ errMsg: `${api}:fail ${reply.offline}` });
  else options.success?.({ statusCode: reply.status, data: body(reply.data), header: {}, errMsg: `${api}:ok` });
}

/** What saoma's /mp/scan answers for the test website (docs/login.md), with saoma's own scope words (English unless told). */
export function scanAnswer(overrides: { scopes?: string[]; token?: string; client?: Record<string, unknown>; language?: 'en' | 'zh-CN'; requester?: Record<string, unknown>; warning?: Record<string, unknown> } = {}) {
  const locale = JSON.parse(readFileSync(new URL(`../../locales/${overrides.language ?? 'en'}.json`, import.meta.url), 'utf8')) as Record<string, string>;
  const words = (scope: string) => locale[`scope.${scope}`];
  return {
    state: 'scanned',
    token: overrides.token ?? 'scan-token-1',
    expires_at: 1773451793,
    client: { client_id: 'test-rp', name: 'Test Shop', logo_uri: 'https://shop.example/logo.png', client_uri: 'https://shop.example/', ...overrides.client },
    scopes: (overrides.scopes ?? ['openid', 'profile']).map((scope) => ({ scope, description: words(scope) ?? scope })),
    requester: { ip: '203.0.113.7', browser: 'Chrome 126.0', os: 'macOS Sonoma', time: '2026-03-14T01:26:53.000Z', region: '浙江省 杭州市', network: '电信', same_network: 'similar', ...overrides.requester },
    ...(overrides.warning ? { warning: overrides.warning } : {}),
  };
}

export const error = (status: number, code: string): Reply => ({ status, data: { error: code, error_description: `saoma says ${code}` } });
