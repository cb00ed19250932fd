// The one file an operator edits before uploading the mini-program.
module.exports = {
  /**
   * saoma's address: its ISSUER, https, no trailing slash. WeChat only lets the mini-program talk
   * to it once this host is listed under both "request" and "uploadFile" legal domains
   * (mp.weixin.qq.com → 开发管理 → 开发设置 → 服务器域名).
   */
  server: 'https://login.example.com',
  /**
   * Where the login page lives in this mini-program. saoma's WECHAT_PAGE must be the same, or the
   * codes it draws open another page. Keep it in app.json's "pages" (or a subpackage).
   */
  page: 'pages/login/login',
};
