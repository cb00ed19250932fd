import { fail, ok, skipped, warn, type Check } from '../check.ts';
import { RUN_AGAIN, describeFailure, errcodeOf, unreachable } from '../wechat-probe.ts';

/**
 * Whether the mini-program may read phone numbers, without buying one: getuserphonenumber with a
 * code WeChat never issued. "Invalid code" (40029, 40163, 40013) means the ability is there and
 * only the code was refused; 48001 (api unauthorized) means it is not (individual or unverified
 * mini-program). That matters only when a website may ask for the `phone` scope.
 */
export const phoneNumber: Check = {
  id: 'phone_number',
  title: 'Phone-number ability',
  async run({ wechat, phoneWebsites }) {
    const answer = await wechat.phone();
    if (answer.ok) return ok('getuserphonenumber answered (no number is bought by this check)');
    if (answer.blocked) return skipped(`not checked: ${answer.blocked}`);
    if (unreachable(answer)) return skipped(`not checked: ${describeFailure(answer.error)}`, RUN_AGAIN);
    const errcode = errcodeOf(answer);
    if (errcode === 40029 || errcode === 40163 || errcode === 40013) {
      return ok(`available: WeChat checked the (deliberately invalid) code and refused only the code (errcode ${errcode}); no number was bought`);
    }
    if (errcode === 40164) return skipped('not checked: this server\'s IP address is not in the whitelist (see "API IP whitelist")');
    if (errcode === 48001) {
      const websites = await phoneWebsites();
      const verify = 'Phone numbers need a verified (微信认证) non-individual mini-program (billed per number after 1,000 free).';
      if (websites.ids.length === 0 && websites.complete) {
        return ok('not available (individual or unverified mini-program, errcode 48001); no website may ask for the phone scope, so nothing depends on it');
      }
      const which = websites.ids.length ? `: ${websites.ids.join(', ')}` : '';
      const unknown = websites.complete ? '' : ' (the websites in the store could not be read)';
      return warn(
        `not available (individual or unverified mini-program, errcode 48001), but websites may ask for the phone scope${which}${unknown}; they never receive a phone_number (sign-in completes without it)`,
        `${verify} Until then keep phone out of those websites' scope: saoma clients update <client_id> --scope "openid profile offline_access" (for websites in the clients file, set "scope" there).`,
      );
    }
    return fail(`getuserphonenumber failed: ${describeFailure(answer.error)}`, 'Look up the errcode on WeChat\'s getPhoneNumber page; run saoma doctor again if WeChat was busy (-1).');
  },
};
