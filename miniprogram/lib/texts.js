// Every word the login page shows, in WeChat's language: Simplified Chinese, Traditional Chinese
// (Taiwan, Hong Kong, Macau), or English for everyone else.
// "{name}" is replaced by the website's name, "{what}" by what the website may receive.

/** @typedef {typeof en} Texts */

const en = {
  navTitle: 'Sign in',
  loading: 'Checking the sign-in request…',
  confirmTitle: 'Sign in to {name}?',
  scopesTitle: '{name} will receive',
  requesterTitle: 'The request comes from',
  browser: 'Browser',
  os: 'System',
  ip: 'IP address',
  time: 'Time',
  region: 'Region',
  network: 'Network',
  unknown: 'unknown',
  otherNetworkTitle: 'Started on another network',
  otherNetwork: 'The sign-in was started on another network than your phone: confirm only if that is you. If someone sent you this code or asked you to scan it, tap Cancel.',
  warningTitle: 'Only if you are signing in right now',
  warning: 'Confirm only if you are signing in on your own screen at this moment. If someone sent you this code or asked you to scan it, tap Cancel: confirming would sign them in as you.',
  profileTitle: 'Nickname and avatar (optional)',
  avatarUploading: 'Uploading the avatar…',
  avatarFailed: 'The avatar could not be uploaded. You can confirm without it.',
  nicknamePlaceholder: 'Your nickname',
  phoneTitle: 'Phone number',
  phoneButton: 'Share my phone number',
  phoneGiven: '{name} will receive your phone number.',
  phoneDeclined: 'Not shared. You can still confirm; {name} will not receive your phone number.',
  phoneUnavailable: 'Phone numbers cannot be shared right now. You can still confirm without one.',
  privacyTitle: 'Privacy guide',
  privacyAsk: 'To give {name} your {what}, first agree to this mini-program\'s privacy guide. You can also confirm without them.',
  privacyDeclined: 'Not agreed. You can still confirm; {name} will not receive your {what}.',
  privacyGuide: 'Read the privacy guide',
  privacyAgree: 'Agree',
  privacyDecline: 'Decline',
  whatProfile: 'nickname and avatar',
  whatPhone: 'phone number',
  whatProfileAndPhone: 'nickname, avatar and phone number',
  confirm: 'Confirm sign-in',
  cancel: 'Cancel',
  doneTitle: 'You are signed in',
  done: 'Go back to your screen: {name} continues there. You can close WeChat now.',
  cancelledTitle: 'Sign-in cancelled',
  cancelled: '{name} will not sign you in. If this was a mistake, scan the code on your screen again.',
  expiredTitle: 'This code is no longer valid',
  expired: 'It has expired or was already used. On your screen, get a new code and scan it again.',
  takenTitle: 'Someone else scanned this code',
  taken: 'Another WeChat account scanned it first. If you are signing in on your own screen, get a new code there and scan it. If you did not expect this, confirm nothing.',
  offlineTitle: 'No connection',
  offline: 'Your phone could not reach the sign-in server. Check your network, then try again.',
  errorTitle: 'Something went wrong',
  error: 'The sign-in server could not answer properly. Try again in a moment; if it keeps failing, get a new code on your screen.',
  busy: 'Too many attempts. Wait a minute, then try again.',
  blocked: 'WeChat stopped this sign-in to protect your account. Try again later.',
  retry: 'Try again',
  welcomeTitle: 'Scan the code on a website to sign in',
  welcome: 'This mini-program confirms sign-ins to websites. Opened on its own it has nothing to do: it opens by itself when you scan a sign-in code.',
  welcomeSteps: ['On a website, choose to sign in with WeChat.', 'Scan the code the website shows, with WeChat.', 'See which website asks, and confirm here.'],
};

/** @type {Texts} */
const zh = {
  navTitle: '登录确认',
  loading: '正在读取登录请求…',
  confirmTitle: '登录 {name}？',
  scopesTitle: '{name} 将获得',
  requesterTitle: '登录请求来自',
  browser: '浏览器',
  os: '系统',
  ip: 'IP 地址',
  time: '时间',
  region: '地区',
  network: '网络',
  unknown: '未知',
  otherNetworkTitle: '登录请求来自另一个网络',
  otherNetwork: '这次登录是在与你手机不同的网络上发起的：只有确定是你本人时才确认。如果有人把这个码发给你，或让你扫描它，请点“取消”。',
  warningTitle: '仅在你本人正在登录时确认',
  warning: '只有当你此刻正在自己的屏幕上登录时才确认。如果有人把这个码发给你，或让你扫描它，请点“取消”：确认会让对方以你的身份登录。',
  profileTitle: '昵称和头像（可选）',
  avatarUploading: '正在上传头像…',
  avatarFailed: '头像上传失败，可以不带头像继续确认。',
  nicknamePlaceholder: '你的昵称',
  phoneTitle: '手机号',
  phoneButton: '提供我的手机号',
  phoneGiven: '{name} 将获得你的手机号。',
  phoneDeclined: '未提供。你仍可确认登录，{name} 不会获得你的手机号。',
  phoneUnavailable: '暂时无法提供手机号，你仍可不带手机号确认登录。',
  privacyTitle: '隐私保护指引',
  privacyAsk: '向 {name} 提供你的{what}之前，需要你同意本小程序的隐私保护指引。不同意也可以直接确认登录。',
  privacyDeclined: '未同意。你仍可确认登录，{name} 不会获得你的{what}。',
  privacyGuide: '查看隐私保护指引',
  privacyAgree: '同意',
  privacyDecline: '拒绝',
  whatProfile: '昵称和头像',
  whatPhone: '手机号',
  whatProfileAndPhone: '昵称、头像和手机号',
  confirm: '确认登录',
  cancel: '取消',
  doneTitle: '登录成功',
  done: '请回到你的屏幕，{name} 会在那里继续。现在可以关闭微信。',
  cancelledTitle: '已取消登录',
  cancelled: '{name} 不会让你登录。如果是误操作，请重新扫描屏幕上的码。',
  expiredTitle: '这个码已失效',
  expired: '它已过期或已被使用。请在你的屏幕上获取新的码，再扫一次。',
  takenTitle: '这个码已被别人扫描',
  taken: '另一个微信账号先扫描了它。如果你正在自己的屏幕上登录，请在那里获取新的码再扫描。如果这不在你的预料之中，请不要确认任何操作。',
  offlineTitle: '网络不可用',
  offline: '手机无法连接登录服务器。请检查网络后重试。',
  errorTitle: '出错了',
  error: '登录服务器暂时无法正常应答。请稍后重试；如果一直失败，请在屏幕上获取新的码。',
  busy: '尝试次数太多，请等一分钟后重试。',
  blocked: '微信为保护你的账号拦截了这次登录，请稍后再试。',
  retry: '重试',
  welcomeTitle: '扫描网站上的码来登录',
  welcome: '这个小程序用于确认网站登录。直接打开时无需操作：扫描登录码后，它会自动打开。',
  welcomeSteps: ['在网站上选择微信登录。', '用微信扫描网站上显示的码。', '核对请求登录的网站，在这里确认。'],
};

/** @type {Texts} */
const zhTW = {
  navTitle: '登入確認',
  loading: '正在讀取登入請求…',
  confirmTitle: '登入 {name}？',
  scopesTitle: '{name} 將獲得',
  requesterTitle: '登入請求來自',
  browser: '瀏覽器',
  os: '系統',
  ip: 'IP 地址',
  time: '時間',
  region: '地區',
  network: '網路',
  unknown: '未知',
  otherNetworkTitle: '登入請求來自另一個網路',
  otherNetwork: '這次登入是在與你手機不同的網路上發起的：只有確定是你本人時才確認。如果有人把這個碼發給你，或讓你掃描它，請點「取消」。',
  warningTitle: '僅在你本人正在登入時確認',
  warning: '只有當你此刻正在自己的螢幕上登入時才確認。如果有人把這個碼發給你，或讓你掃描它，請點「取消」：確認會讓對方以你的身份登入。',
  profileTitle: '暱稱和頭像（可選）',
  avatarUploading: '正在上傳頭像…',
  avatarFailed: '頭像上傳失敗，可以不帶頭像繼續確認。',
  nicknamePlaceholder: '你的暱稱',
  phoneTitle: '手機號',
  phoneButton: '提供我的手機號',
  phoneGiven: '{name} 將獲得你的手機號。',
  phoneDeclined: '未提供。你仍可確認登入，{name} 不會獲得你的手機號。',
  phoneUnavailable: '暫時無法提供手機號，你仍可不帶手機號確認登入。',
  privacyTitle: '隱私保護指引',
  privacyAsk: '向 {name} 提供你的{what}之前，需要你同意本小程式的隱私保護指引。不同意也可以直接確認登入。',
  privacyDeclined: '未同意。你仍可確認登入，{name} 不會獲得你的{what}。',
  privacyGuide: '檢視隱私保護指引',
  privacyAgree: '同意',
  privacyDecline: '拒絕',
  whatProfile: '暱稱和頭像',
  whatPhone: '手機號',
  whatProfileAndPhone: '暱稱、頭像和手機號',
  confirm: '確認登入',
  cancel: '取消',
  doneTitle: '登入成功',
  done: '請回到你的螢幕，{name} 會在那裡繼續。現在可以關閉微信。',
  cancelledTitle: '已取消登入',
  cancelled: '{name} 不會讓你登入。如果是誤操作，請重新掃描螢幕上的碼。',
  expiredTitle: '這個碼已失效',
  expired: '它已過期或已被使用。請在你的螢幕上取得新的碼，再掃一次。',
  takenTitle: '這個碼已被別人掃描',
  taken: '另一個微信帳號先掃描了它。如果你正在自己的螢幕上登入，請在那裡取得新的碼再掃描。如果這不在你的預料之中，請不要確認任何操作。',
  offlineTitle: '網路不可用',
  offline: '手機無法連線登入伺服器。請檢查網路後重試。',
  errorTitle: '出錯了',
  error: '登入伺服器暫時無法正常應答。請稍後重試；如果一直失敗，請在螢幕上取得新的碼。',
  busy: '嘗試次數太多，請等一分鐘後重試。',
  blocked: '微信為保護你的帳號攔截了這次登入，請稍後再試。',
  retry: '重試',
  welcomeTitle: '掃描網站上的碼來登入',
  welcome: '這個小程式用於確認網站登入。直接開啟時無需操作：掃描登入碼後，它會自動開啟。',
  welcomeSteps: ['在網站上選擇微信登入。', '用微信掃描網站上顯示的碼。', '核對請求登入的網站，在這裡確認。'],
};


/** Every language the mini-program speaks, by the tag saoma's pages use (locales/<tag>.json). */
const languages = { 'zh-CN': zh, 'zh-TW': zhTW, en };

/**
 * WeChat's language (`zh_CN`, `zh_TW`, `zh_HK`, `en`, …) as the tag saoma understands in
 * Accept-Language (its scope words come back in it): Traditional Chinese for Taiwan, Hong Kong
 * and Macau, Simplified for other Chinese, English for everyone else.
 * @param {string} language
 * @returns {keyof typeof languages}
 */
function acceptLanguage(language) {
  if (/^zh[_-](tw|hk|mo|hant)/i.test(language)) return 'zh-TW';
  return /^zh/i.test(language) ? 'zh-CN' : 'en';
}

/**
 * The words for WeChat's language.
 * @param {string} language
 * @returns {Texts}
 */
function textsFor(language) {
  return languages[acceptLanguage(language)];
}

/**
 * @param {string} text
 * @param {string} name
 * @param {string} [what]
 */
function withName(text, name, what = '') {
  return text.split('{name}').join(name).split('{what}').join(what);
}

module.exports = { textsFor, acceptLanguage, withName, languages, en, zh, zhTW };
