import { fail, ok, skipped, warn, type Check } from '../check.ts';
import { RUN_AGAIN, describeFailure, errcodeOf, unreachable } from '../wechat-probe.ts';

/**
 * The login page is in the released mini-program: a real getwxacodeunlimit for WECHAT_PAGE and
 * WECHAT_ENV_VERSION with check_path true, which WeChat answers with 41030 when the released
 * version has no such page (or nothing is released yet).
 */
export const loginPage: Check = {
  id: 'login_page',
  title: 'Login page released',
  async run({ config, wechat }) {
    const { WECHAT_PAGE: page, WECHAT_ENV_VERSION: envVersion, WECHAT_CHECK_PATH: checkPath } = config.env;
    const answer = await wechat.code(true);
    if (answer.ok) {
      const note = checkPath ? '' : '; WECHAT_CHECK_PATH=false can go back to true';
      return ok(`${page} is in the released mini-program (a code for env_version ${envVersion} was drawn with check_path true${note})`);
    }
    if (answer.blocked) return skipped(`not checked: ${answer.blocked}`);
    if (unreachable(answer)) return skipped(`not checked: ${describeFailure(answer.error)}`, RUN_AGAIN);
    const errcode = errcodeOf(answer);
    if (errcode === 41030) {
      const release = `Release a version of the mini-program that has ${page} (upload → submit for review → release in mp.weixin.qq.com → 管理 → 版本管理 / Version management), and check that WECHAT_PAGE is spelled as in its app.json`;
      if (checkPath && envVersion !== 'release') {
        return fail(`WeChat says ${page} is not in the released mini-program (errcode 41030): no login code can be drawn`, `${release}. While it is in review, set WECHAT_CHECK_PATH=false (WECHAT_ENV_VERSION=${envVersion} already opens the ${envVersion} version).`);
      }
      if (checkPath) {
        return fail(`WeChat says ${page} is not in the released mini-program (errcode 41030): no login code can be drawn`, `${release}. While it is in review, set WECHAT_CHECK_PATH=false and WECHAT_ENV_VERSION=trial (codes then open the trial version, for its testers only).`);
      }
      if (envVersion === 'release') {
        return fail(`${page} is not in the released mini-program (errcode 41030 with check_path true); with WECHAT_CHECK_PATH=false codes are drawn, but scanning one opens a release without that page`, `${release}, or while it is in review set WECHAT_ENV_VERSION=trial.`);
      }
      return warn(`${page} is not released yet (errcode 41030 with check_path true); codes open the ${envVersion} version because WECHAT_CHECK_PATH=false, so only its testers can sign in`, `${release}, then set WECHAT_CHECK_PATH=true and WECHAT_ENV_VERSION=release.`);
    }
    if (errcode === 40164) return skipped('not checked: this server\'s IP address is not in the whitelist (see "API IP whitelist")');
    if (errcode === 40097) return fail(`WeChat refused env_version ${envVersion} (${describeFailure(answer.error)})`, 'Set WECHAT_ENV_VERSION to release, trial or develop.');
    return fail(`getwxacodeunlimit failed: ${describeFailure(answer.error)}`, 'Run saoma doctor again; if it persists, look up the errcode in docs/doctor.md and WeChat\'s getUnlimitedQRCode page.');
  },
};
