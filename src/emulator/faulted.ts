import type { Context } from 'koa';
import { wechatError } from './answers.ts';
import type { EmulatedApi } from './faults.ts';
import type { EmulatorState } from './state.ts';

/**
 * Counts the call and applies the API's next fault, if any. Returns true when the call should go
 * on normally, false when it has been answered (a faulted errcode) or the caller went away.
 */
export async function proceedWithCall(ctx: Context, state: EmulatorState, api: EmulatedApi, options: { textPlain?: boolean } = {}): Promise<boolean> {
  state.count(api);
  const fault = state.faults.take(api);
  if (!fault) return true;
  if (fault.delay_ms && !(await stall(ctx, fault.delay_ms))) return false;
  if (fault.errcode === undefined) return true;
  wechatError(ctx, fault.errcode, { ...options, hint: 'emulator fault' });
  return false;
}

/** Waits `ms`; resolves false early if the client hangs up (a client that timed out). */
function stall(ctx: Context, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (stillThere: boolean) => {
      clearTimeout(timer);
      ctx.res.off('close', onClose);
      resolve(stillThere);
    };
    const onClose = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    ctx.res.on('close', onClose);
  });
}
