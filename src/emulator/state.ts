import { AccessTokens } from './access-tokens.ts';
import { EMULATED_APIS, Faults, type EmulatedApi } from './faults.ts';
import { OneTimeCodes } from './one-time-codes.ts';
import { Quotas } from './quotas.ts';
import { applySettings, defaultSettings, type EmulatorSettings } from './settings.ts';

const CODE_TTL_MS = 5 * 60_000;
const MAX_LIVE_CODES = 10_000;
const MAX_LISTED_CODES = 1000;

/** What a wx.login code stands for. */
export interface LoginGrant { user: string; openid: string; unionid?: string }
/** What a phone-number button code stands for. */
export interface PhoneGrant { openid: string; phone: string; countryCode: string }
/** A mini-program code the emulator drew (getwxacodeunlimit), as /emulator/codes lists it. */
export interface DrawnCode { scene: string; page: string; env_version: string; created_at: string }

/**
 * Everything the emulator remembers, in memory and bounded: it is a development tool, and a
 * restart forgets all of it (as WeChat's codes would have expired anyway).
 */
export class EmulatorState {
  readonly tokens = new AccessTokens();
  readonly loginCodes = new OneTimeCodes<LoginGrant>(CODE_TTL_MS, MAX_LIVE_CODES);
  readonly phoneCodes = new OneTimeCodes<PhoneGrant>(CODE_TTL_MS, MAX_LIVE_CODES);
  readonly faults = new Faults();
  readonly calls = Object.fromEntries(EMULATED_APIS.map((api) => [api, 0])) as Record<EmulatedApi, number>;
  #settings: EmulatorSettings = defaultSettings();
  #quotas = new Quotas();
  /** Newest last; listed newest first. */
  readonly #drawn: DrawnCode[] = [];

  get settings(): EmulatorSettings {
    return this.#settings;
  }

  /** Quota counters; new ones with every settings change, so a test starts from zero. */
  get quotas(): Quotas {
    return this.#quotas;
  }

  /** Applies a partial update (checked); answers the problems instead when it is not valid. */
  updateSettings(update: unknown): { ok: true; settings: EmulatorSettings } | { ok: false; message: string } {
    const result = applySettings(this.#settings, update);
    if (result.ok) {
      this.#settings = result.settings;
      this.#quotas = new Quotas();
    }
    return result;
  }

  count(api: EmulatedApi): void {
    this.calls[api] += 1;
  }

  recordCode(code: DrawnCode): void {
    this.#drawn.push(code);
    if (this.#drawn.length > MAX_LISTED_CODES) this.#drawn.splice(0, this.#drawn.length - MAX_LISTED_CODES);
  }

  codes(): DrawnCode[] {
    return [...this.#drawn].reverse();
  }
}
