// Every word the login page shows, in WeChat's language: Chinese, or English for everyone else.
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
  accountBlocked: 'This account is blocked: it cannot sign in to websites here. Ask the operator of this service.',
  retry: 'Try again',
  welcomeTitle: 'Scan the code on a website to sign in',
  welcome: 'This mini-program confirms sign-ins to websites. Opened on its own it has nothing to do: it opens by itself when you scan a sign-in code.',
  myAccount: 'My account: websites, export, delete',
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
  accountBlocked: '此账号已被禁止登录，无法通过本服务登录网站。请联系本服务的运营方。',
  retry: '重试',
  welcomeTitle: '扫描网站上的码来登录',
  welcome: '这个小程序用于确认网站登录。直接打开时无需操作：扫描登录码后，它会自动打开。',
  myAccount: '我的账号：已登录的网站、导出、删除',
  welcomeSteps: ['在网站上选择微信登录。', '用微信扫描网站上显示的码。', '核对请求登录的网站，在这里确认。'],
};

/**
 * The words for WeChat's language (`zh_CN`, `zh_TW`, `en`, …).
 * @param {string} language
 * @returns {Texts}
 */
function textsFor(language) {
  return /^zh/i.test(language) ? zh : en;
}

/**
 * WeChat's language, as the Accept-Language saoma understands (its scope words come back in it).
 * @param {string} language
 */
function acceptLanguage(language) {
  return /^zh/i.test(language) ? 'zh-CN' : 'en';
}

/**
 * @param {string} text
 * @param {string} name
 * @param {string} [what]
 */
function withName(text, name, what = '') {
  return text.split('{name}').join(name).split('{what}').join(what);
}

module.exports = { textsFor, acceptLanguage, withName, en, zh };
