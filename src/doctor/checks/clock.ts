import { fail, ok, skipped, warn, type Check } from '../check.ts';

/** Skew tolerated without comment; WeChat's Date header has whole seconds only. */
const WARN_MS = 5_000;
/** Beyond this, URL Links are refused (WeChat wants their expiry at least a minute ahead) and token lifetimes drift. */
const FAIL_MS = 60_000;

/**
 * This machine's clock against WeChat's `Date` header. Token, code and cookie lifetimes are all
 * clock times; a clock a minute off makes URL Links fail (85401) and tokens expire early or late.
 */
export const clock: Check = {
  id: 'clock',
  title: 'Clock',
  async run({ wechat }) {
    const answer = await wechat.clock();
    if (!answer.ok) return skipped(`not checked: ${answer.reason}`);
    // The header is truncated to the second: WeChat's time was in [server, server + 1 s) when it answered.
    const ours = (answer.sentAt + answer.receivedAt) / 2;
    const theirs = answer.server + 500;
    const skew = ours - theirs;
    const margin = (answer.receivedAt - answer.sentAt) / 2 + 500;
    const off = Math.max(0, Math.abs(skew) - margin);
    const words = `${(Math.abs(skew) / 1000).toFixed(1)} s ${skew > 0 ? 'ahead of' : 'behind'} WeChat (± ${(margin / 1000).toFixed(1)} s)`;
    const fix = 'Synchronise the clock with NTP (for example timedatectl set-ntp true, or chrony) on every saoma server.';
    if (off > FAIL_MS) return fail(`this machine's clock is ${words}: URL Links, tokens and cookies expire at the wrong time`, fix);
    if (off > WARN_MS) return warn(`this machine's clock is ${words}`, fix);
    return ok(`within ${((Math.abs(skew) + margin) / 1000).toFixed(1)} s of WeChat's clock`);
  },
};
