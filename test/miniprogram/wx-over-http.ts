import { readFileSync } from 'node:fs';

type Callbacks = { success?: (res: any) => void; fail?: (err: any) => void; complete?: () => void };

/**
 * WeChat's network functions done for real, over HTTP, with WeChat's documented behaviour:
 * wx.request sends `data` as a JSON body, calls `success` for every HTTP answer (4xx and 5xx too)
 * with the body parsed as JSON when it is JSON and as text otherwise, and `fail` only when no answer
 * came; wx.uploadFile posts multipart/form-data with `formData` and the file under `name`, and hands
 * the body over as text. wx.login asks the WeChat emulator for a code for `user`, as WeChat gives
 * one to the person holding the phone.
 */
export class WxOverHttp {
  readonly #emulator: string;
  user: string;
  language = 'en';
  #inFlight = 0;

  constructor(emulator: string, user: string) {
    this.#emulator = emulator;
    this.user = user;
  }

  /** Requests still on their way (for `settle`). */
  get due(): number {
    return this.#inFlight;
  }

  install(wx: Record<string, unknown>): void {
    wx.getAppBaseInfo = () => ({ language: this.language });
    wx.setNavigationBarTitle = () => {};
    wx.login = (options: Callbacks) => {
      this.#track(options, 'login', async () => {
        const res = await fetch(`${this.#emulator}/emulator/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: this.user }) });
        return { code: ((await res.json()) as { code: string }).code, errMsg: 'login:ok' };
      });
    };
    wx.request = (options: Callbacks & { url: string; method?: string; data?: unknown; header?: Record<string, string>; timeout?: number; dataType?: string }) => {
      this.#track(options, 'request', async () => {
        const res = await fetch(options.url, {
          method: options.method ?? 'GET',
          headers: { 'content-type': 'application/json', ...options.header },
          body: options.data === undefined ? undefined : JSON.stringify(options.data),
          signal: AbortSignal.timeout(options.timeout ?? 60_000),
        });
        const text = await res.text();
        let data: unknown = text;
        if (options.dataType !== 'text') {
          try {
            data = JSON.parse(text);
          } catch {
            // WeChat hands over what is not JSON as the text itself
          }
        }
        return { statusCode: res.status, data, header: Object.fromEntries(res.headers), errMsg: 'request:ok' };
      });
    };
    wx.uploadFile = (options: Callbacks & { url: string; filePath: string; name: string; formData?: Record<string, string>; header?: Record<string, string>; timeout?: number }) => {
      this.#track(options, 'uploadFile', async () => {
        const form = new FormData();
        for (const [name, value] of Object.entries(options.formData ?? {})) form.set(name, value);
        form.set(options.name, new Blob([readFileSync(options.filePath)]), options.filePath.split('/').pop());
        const res = await fetch(options.url, { method: 'POST', headers: options.header, body: form, signal: AbortSignal.timeout(options.timeout ?? 60_000) });
        return { statusCode: res.status, data: await res.text(), errMsg: 'uploadFile:ok' };
      });
    };
    // Shrinking is WeChat's business; here the picture goes up as it is.
    wx.compressImage = (options: Callbacks & { src: string }) => setTimeout(() => options.success?.({ tempFilePath: options.src }), 0);
  }

  #track(options: Callbacks, api: string, call: () => Promise<unknown>): void {
    this.#inFlight++;
    call().then(
      (result) => {
        this.#inFlight--;
        options.success?.(result);
        options.complete?.();
      },
      (err: Error) => {
        this.#inFlight--;
        options.fail?.({ errMsg: `${api}:fail ${err.message}` });
        options.complete?.();
      },
    );
  }
}
