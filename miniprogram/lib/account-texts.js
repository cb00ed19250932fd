// Every word the account page shows, in WeChat's language: Simplified or Traditional Chinese, or English for everyone else.

const { acceptLanguage } = require('./texts.js');

const en = {
  navTitle: 'My account',
  loading: 'Opening your account…',
  noneTitle: 'Nothing is held about you',
  none: 'This WeChat account has not signed in to any website with this service, so nothing is stored about it.',
  websitesTitle: 'Websites you signed in to',
  noWebsites: 'You are not signed in to any website.',
  shared: 'Shared: {what}',
  lastUsed: 'Last used {when}',
  withdraw: 'Withdraw',
  withdrawn: '{name} no longer has your sign-in.',
  signOutEverywhere: 'Sign out everywhere',
  signedOutEverywhere: 'You are signed out of every website.',
  exportData: 'Export my data',
  exportTitle: 'Your data',
  copy: 'Copy',
  copied: 'Copied',
  back: 'Back',
  deleteAccount: 'Delete account',
  deleteTitle: 'Delete your account?',
  deleteGoes: 'This deletes, for good: your account and its id, your nickname, avatar and phone number, the link to your WeChat account, and your sign-in at every website (they are told you signed out). Signing in again later makes a new account. What each website keeps itself, ask that website to delete.',
  deleteConfirm: 'Delete my account',
  deletedTitle: 'Your account is deleted',
  deleted: 'Nothing about you is kept by this service any more.',
  offline: 'No connection. Check the network and try again.',
  error: 'Something went wrong. Try again later.',
  expired: 'This page was open too long. Open it again.',
  retry: 'Try again',
  scopes: { openid: 'account id', profile: 'nickname and picture', phone: 'phone number', offline_access: 'staying signed in' },
};

/** @type {typeof en} */
const zh = {
  navTitle: '我的账号',
  loading: '正在打开你的账号…',
  noneTitle: '没有你的任何信息',
  none: '这个微信账号还没有通过本服务登录过任何网站，因此没有保存关于它的任何信息。',
  websitesTitle: '你登录过的网站',
  noWebsites: '你目前没有登录任何网站。',
  shared: '已提供：{what}',
  lastUsed: '最近使用：{when}',
  withdraw: '取消授权',
  withdrawn: '{name} 已无法再使用你的登录。',
  signOutEverywhere: '退出所有网站',
  signedOutEverywhere: '你已退出所有网站。',
  exportData: '导出我的数据',
  exportTitle: '你的数据',
  copy: '复制',
  copied: '已复制',
  back: '返回',
  deleteAccount: '删除账号',
  deleteTitle: '确定删除账号？',
  deleteGoes: '将永久删除：你的账号及其标识、昵称、头像和手机号、与你微信账号的关联，以及你在所有网站的登录（各网站会收到退出通知）。以后再次登录将成为一个新账号。各网站自行保存的信息，请向该网站申请删除。',
  deleteConfirm: '删除我的账号',
  deletedTitle: '账号已删除',
  deleted: '本服务已不再保存任何关于你的信息。',
  offline: '网络未连接，请检查网络后重试。',
  error: '出了点问题，请稍后再试。',
  expired: '页面打开太久了，请重新打开。',
  retry: '重试',
  scopes: { openid: '账号标识', profile: '昵称和头像', phone: '手机号', offline_access: '保持登录' },
};

/** @type {typeof en} */
const zhTW = {
  navTitle: '我的帳號',
  loading: '正在開啟你的帳號…',
  noneTitle: '沒有你的任何資料',
  none: '這個微信帳號還沒有透過本服務登入過任何網站，因此沒有儲存關於它的任何資料。',
  websitesTitle: '你登入過的網站',
  noWebsites: '你目前沒有登入任何網站。',
  shared: '已提供：{what}',
  lastUsed: '最近使用：{when}',
  withdraw: '取消授權',
  withdrawn: '{name} 已無法再使用你的登入。',
  signOutEverywhere: '登出所有網站',
  signedOutEverywhere: '你已登出所有網站。',
  exportData: '匯出我的資料',
  exportTitle: '你的資料',
  copy: '複製',
  copied: '已複製',
  back: '返回',
  deleteAccount: '刪除帳號',
  deleteTitle: '確定刪除帳號？',
  deleteGoes: '將永久刪除：你的帳號及其識別碼、暱稱、頭像和手機號碼、與你微信帳號的連結，以及你在所有網站的登入（各網站會收到登出通知）。之後再次登入將成為一個新帳號。各網站自行保存的資料，請向該網站申請刪除。',
  deleteConfirm: '刪除我的帳號',
  deletedTitle: '帳號已刪除',
  deleted: '本服務已不再保存任何關於你的資料。',
  offline: '網路未連線，請檢查網路後重試。',
  error: '出了點問題，請稍後再試。',
  expired: '頁面開啟太久了，請重新開啟。',
  retry: '重試',
  scopes: { openid: '帳號識別碼', profile: '暱稱和頭像', phone: '手機號碼', offline_access: '保持登入' },
};

const byLanguage = { 'zh-CN': zh, 'zh-TW': zhTW, en };

/** @param {string} language WeChat's language, e.g. 'zh_CN', 'zh_TW' or 'en' (as the login page picks it) */
function accountTexts(language) {
  return byLanguage[acceptLanguage(language || '')];
}

module.exports = { accountTexts, languages: byLanguage };
