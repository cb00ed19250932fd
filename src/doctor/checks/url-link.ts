import { fail, ok, skipped, warn, type Check } from '../check.ts';
import { RUN_AGAIN, describeFailure, errcodeOf, unreachable } from '../wechat-probe.ts';

/**
 * URL Link (wxa/generate_urllink) is what the "Open WeChat to sign in" button on phone browsers
 * uses (WECHAT_OPEN_LINK=url_link). WeChat answers 40002 for individual (个人主体) mini-programs;
 * saoma then hides the button, so nothing breaks, but the operator should know why it is missing.
 */
export const urlLink: Check = {
  id: 'url_link',
  title: 'URL Link (Open WeChat)',
  async run({ config, wechat }) {
    const mode = config.env.WECHAT_OPEN_LINK;
    const answer = await wechat.urlLink();
    if (answer.ok) {
      if (mode === 'url_link') return ok('generate_urllink works: phone browsers show "Open WeChat to sign in"');
      return ok(`generate_urllink works, but WECHAT_OPEN_LINK=${mode}${mode === 'off' ? ' hides the "Open WeChat to sign in" button' : ''}; set WECHAT_OPEN_LINK=url_link to use it`);
    }
    if (answer.blocked) return skipped(`not checked: ${answer.blocked}`);
    if (unreachable(answer)) return skipped(`not checked: ${describeFailure(answer.error)}`, RUN_AGAIN);
    const errcode = errcodeOf(answer);
    if (errcode === 40002) {
      if (mode === 'off') return ok('not available (individual mini-program, errcode 40002); WECHAT_OPEN_LINK=off already hides the button');
      return warn(
        'individual mini-program (errcode 40002): the "Open WeChat" button stays hidden on phone browsers; people scan the code instead',
        mode === 'scheme'
          ? 'Set WECHAT_OPEN_LINK=off: the plaintext scheme is not open to individual mini-programs either. URL Link needs a non-individual (organisation) mini-program.'
          : 'Nothing breaks: saoma hides the button after WeChat\'s first 40002. Set WECHAT_OPEN_LINK=off to hide it from the start (the plaintext scheme is not open to individual mini-programs either); URL Link needs a non-individual (organisation) mini-program.',
      );
    }
    if (errcode === 40164) return skipped('not checked: this server\'s IP address is not in the whitelist (see "API IP whitelist")');
    if (errcode === 85079) return warn(`the mini-program has no released version yet (${describeFailure(answer.error)}): links cannot open it`, 'Release the mini-program (see "Login page released").');
    if (mode === 'off') return ok(`not available (${describeFailure(answer.error)}); WECHAT_OPEN_LINK=off does not use it`);
    return fail(`generate_urllink failed: ${describeFailure(answer.error)}; the "Open WeChat" button would fail`, 'Set WECHAT_OPEN_LINK=off until this works, and look up the errcode on WeChat\'s generateUrlLink page.');
  },
};
