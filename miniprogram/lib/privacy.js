// WeChat's privacy agreement (用户隐私保护指引). Since 2023-10-17 the nickname input, the avatar
// button and the phone button work only once the person has agreed to the mini-program's privacy
// guide, and only for what that guide declares (docs/go-live.md says what to declare). Before
// that the nickname input is a plain text box and the two buttons give nothing, so the page asks
// first and offers them only after a yes. Base libraries before 2.32.3 have neither the agreement
// nor these functions: there is nothing to ask for there.

/**
 * The id of the page's agree button (open-type="agreePrivacyAuthorization"). WeChat lets a waiting
 * privacy ability go on only if the button named in the answer was really tapped.
 */
const AGREE_BUTTON = 'agree-privacy';

/**
 * Tells WeChat what the person decided: the waiting ability then goes on (agreed) or fails.
 * @typedef {(agreed: boolean) => void} Answer
 */

/**
 * What WeChat hands the listener: resolve({ event }) with 'agree' (and the button's id),
 * 'disagree', or 'exposureAuthorization' (our prompt is on screen).
 * @typedef {(result: { event: 'agree' | 'disagree' | 'exposureAuthorization', buttonId?: string }) => void} Resolve
 */

/**
 * Whether the person still has to agree, and the guide's name as the operator entered it.
 * When WeChat cannot say, the answer is "ask": asking someone who already agreed costs nothing
 * (WeChat then lets the request through without a prompt), never asking disables the abilities.
 * @returns {Promise<{ needed: boolean, guide: string }>}
 */
function agreementNeeded() {
  return new Promise((resolve) => {
    if (typeof wx.getPrivacySetting !== 'function') {
      resolve({ needed: false, guide: '' });
      return;
    }
    wx.getPrivacySetting({
      success: (res) => resolve({ needed: Boolean(res.needAuthorization), guide: res.privacyContractName || '' }),
      fail: () => resolve({ needed: true, guide: '' }),
    });
  });
}

/**
 * Asks for the agreement as a privacy ability would: when the person has not agreed yet, WeChat
 * calls the listener given to `onAgreementNeeded` (the page shows its prompt) and answers here
 * once the person has decided.
 * @returns {Promise<boolean>} whether the person agreed
 */
function requireAgreement() {
  return new Promise((resolve) => {
    if (typeof wx.requirePrivacyAuthorize !== 'function') {
      resolve(true);
      return;
    }
    wx.requirePrivacyAuthorize({ success: () => resolve(true), fail: () => resolve(false) });
  });
}

/**
 * Makes `ask` the prompt WeChat uses whenever a privacy ability waits for the agreement. WeChat
 * keeps one listener for the whole mini-program (the last registered wins), so the page registers
 * it each time it opens. Every waiting ability must be answered, or it waits for ever.
 * @param {(answer: Answer) => void} ask shows the prompt; called once per waiting ability
 */
function onAgreementNeeded(ask) {
  if (typeof wx.onNeedPrivacyAuthorization !== 'function') return;
  /** @param {Resolve} resolve */
  const listener = (resolve) => {
    resolve({ event: 'exposureAuthorization' });
    ask((agreed) => resolve(agreed ? { event: 'agree', buttonId: AGREE_BUTTON } : { event: 'disagree' }));
  };
  // WeChat's API types declare this listener as taking a plain result; WeChat passes resolve first.
  wx.onNeedPrivacyAuthorization(/** @type {WechatMiniprogram.OnNeedPrivacyAuthorizationCallback} */ (/** @type {unknown} */ (listener)));
}

/** WeChat's own page showing the mini-program's privacy guide. */
function openGuide() {
  if (typeof wx.openPrivacyContract === 'function') wx.openPrivacyContract({});
}

module.exports = { AGREE_BUTTON, agreementNeeded, requireAgreement, onAgreementNeeded, openGuide };
