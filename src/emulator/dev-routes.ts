import type { Context } from 'koa';
import type { Router } from '@koa/router';
import { badRequest } from './answers.ts';
import { readJsonBody } from './body.ts';
import { EMULATED_APIS, type EmulatedApi } from './faults.ts';
import { defaultPhoneOf, openidOf, unionidOf } from './identity.ts';
import type { EmulatorState } from './state.ts';

const USER_PATTERN = /^[^\u0000-\u001f]{1,64}$/u;
const PHONE_PATTERN = /^[0-9]{5,15}$/;
const COUNTRY_CODE_PATTERN = /^[1-9][0-9]{0,2}$/;

/**
 * The emulator's own API, for the phone page and for tests: wx.login and phone-button codes for
 * simulated users, the codes drawn so far, faults to inject, token invalidation, call counts.
 */
export function devRoutes(router: Router, state: EmulatorState, appid: string): void {
  simulatedUserRoutes(router, state, appid);
  faultRoutes(router, state);
  settingsRoutes(router, state);
}

/** Codes a simulated user's phone would get from wx.login and the phone-number button; the codes drawn so far. */
function simulatedUserRoutes(router: Router, state: EmulatorState, appid: string): void {
  router.post('/emulator/login', async (ctx: Context) => {
    const body = await readJsonBody(ctx);
    if (body.kind !== 'json') return badRequest(ctx, 'send a JSON body {"user": "alice", "unionid"?: true}');
    const { user, unionid } = body.value;
    if (typeof user !== 'string' || !USER_PATTERN.test(user)) return badRequest(ctx, 'user must be a name of 1–64 characters');
    if (unionid !== undefined && typeof unionid !== 'boolean') return badRequest(ctx, 'unionid must be true or false');
    const code = state.loginCodes.issue({ user, openid: openidOf(appid, user), ...(unionid ? { unionid: unionidOf(user) } : {}) });
    ctx.body = { code };
  });

  router.post('/emulator/phone_code', async (ctx: Context) => {
    const body = await readJsonBody(ctx);
    if (body.kind !== 'json') return badRequest(ctx, 'send a JSON body {"user": "alice", "phone"?: "13800000000", "country_code"?: "86"}');
    const { user, phone, country_code = '86' } = body.value;
    if (typeof user !== 'string' || !USER_PATTERN.test(user)) return badRequest(ctx, 'user must be a name of 1–64 characters');
    if (phone !== undefined && (typeof phone !== 'string' || !PHONE_PATTERN.test(phone))) return badRequest(ctx, 'phone must be 5–15 digits');
    if (typeof country_code !== 'string' || !COUNTRY_CODE_PATTERN.test(country_code)) return badRequest(ctx, 'country_code must be 1–3 digits');
    ctx.body = { code: state.phoneCodes.issue({ openid: openidOf(appid, user), phone: phone ?? defaultPhoneOf(user), countryCode: country_code }) };
  });

  router.get('/emulator/codes', (ctx: Context) => {
    ctx.body = { codes: state.codes() };
  });
}

/** Failures and stalls to inject, and access tokens to kill (tests). */
function faultRoutes(router: Router, state: EmulatorState): void {
  router.post('/emulator/faults', async (ctx: Context) => {
    const body = await readJsonBody(ctx);
    if (body.kind !== 'json') return badRequest(ctx, 'send a JSON body {"api", "errcode"?, "delay_ms"?, "times"?}');
    const { api, errcode, delay_ms, times = 1 } = body.value;
    if (typeof api !== 'string' || !(EMULATED_APIS as readonly string[]).includes(api)) return badRequest(ctx, `api must be one of ${EMULATED_APIS.join(', ')}`);
    if (errcode !== undefined && !Number.isInteger(errcode)) return badRequest(ctx, 'errcode must be an integer');
    if (delay_ms !== undefined && !(Number.isInteger(delay_ms) && (delay_ms as number) >= 0 && (delay_ms as number) <= 120_000)) return badRequest(ctx, 'delay_ms must be an integer from 0 to 120000');
    if (!(Number.isInteger(times) && (times as number) >= 1 && (times as number) <= 10_000)) return badRequest(ctx, 'times must be an integer from 1 to 10000');
    if (errcode === undefined && delay_ms === undefined) return badRequest(ctx, 'give errcode, delay_ms or both');
    state.faults.add(api as EmulatedApi, {
      times: times as number,
      ...(errcode === undefined ? {} : { errcode: errcode as number }),
      ...(delay_ms === undefined ? {} : { delay_ms: delay_ms as number }),
    });
    ctx.body = { faults: state.faults.list() };
  });

  router.post('/emulator/faults/reset', (ctx: Context) => {
    state.faults.reset();
    ctx.body = { faults: {} };
  });

  router.post('/emulator/invalidate_token', async (ctx: Context) => {
    // The body is optional: {"reason": "expired"} makes tokens answer 42001 instead of 40001.
    const body = await readJsonBody(ctx);
    if (body.kind === 'form' || body.kind === 'invalid') return badRequest(ctx, 'send no body, or a JSON body {"reason": "invalid" | "expired"}');
    const reason = body.kind === 'json' ? body.value.reason ?? 'invalid' : 'invalid';
    if (reason !== 'invalid' && reason !== 'expired') return badRequest(ctx, 'reason must be "invalid" or "expired"');
    state.tokens.invalidate(reason);
    ctx.body = { ok: true };
  });
}

function settingsRoutes(router: Router, state: EmulatorState): void {
  // How the emulated mini-program is set up in WeChat's console (account type, IP whitelist,
  // released pages, code format, quotas): read it, or change part of it.
  router.get('/emulator/settings', (ctx: Context) => {
    ctx.body = state.settings;
  });

  router.post('/emulator/settings', async (ctx: Context) => {
    const body = await readJsonBody(ctx);
    if (body.kind !== 'json') return badRequest(ctx, 'send a JSON object with the settings to change, e.g. {"account_type": "individual"}');
    const result = state.updateSettings(body.value);
    if (!result.ok) return badRequest(ctx, result.message);
    ctx.body = result.settings;
  });

  router.get('/emulator/stats', (ctx: Context) => {
    ctx.body = { calls: { ...state.calls } };
  });
}
