// Nothing to do at launch: the login page does its own wx.login, once per scanned code (a wx.login
// code is single-use and lives five minutes, so one fetched at launch could be stale by the scan).
App({});
