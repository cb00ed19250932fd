import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RP, SPA, freePort } from './saoma.ts';

export interface SaomaProcess {
  url: string;
  port: number;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** The test clients, written to a clients file for a saoma started as its own OS process. */
export function writeClientsFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'saoma-clients-')), 'clients.json');
  writeFileSync(file, JSON.stringify([
    { client_id: RP.client_id, client_secret: RP.client_secret, client_name: 'Test Shop', redirect_uris: [RP.redirect_uri], post_logout_redirect_uris: [RP.post_logout_redirect_uri], grant_types: ['authorization_code', 'refresh_token'] },
    { client_id: SPA.client_id, token_endpoint_auth_method: 'none', redirect_uris: [SPA.redirect_uri] },
  ]));
  return file;
}

/** A child process of a test, with its recent output, killed if the test process exits first. */
export interface TestProcess {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Spawns `command` and waits until `ready()` says it answers (polled every 100 ms), failing with
 * its output when it exits first or takes longer than `timeoutMs`. `stop` asks it to end
 * (SIGTERM), then forces it (SIGKILL) after 5 s.
 */
export async function startProcess(
  command: string,
  args: string[],
  options: { env: Record<string, string>; cwd?: string; ready: () => Promise<boolean>; timeoutMs: number; name: string; keepChars: number },
): Promise<TestProcess> {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => { output = (output + chunk.toString()).slice(-options.keepChars); };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${options.name} exited at start (${child.exitCode}):\n${output}`);
    if (await options.ready().catch(() => false)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${options.name} did not answer in ${options.timeoutMs / 1000} s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    output: () => output,
    stop: async () => {
      process.off('exit', killOnExit);
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** `node src/main.ts` as its own process, exactly as an operator runs it; resolves once /healthz answers. */
export async function spawnSaoma(env: Record<string, string>): Promise<SaomaProcess> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const url = `http://127.0.0.1:${port}`;
  const running = await startProcess(process.execPath, ['src/main.ts'], {
    cwd: new URL('../../', import.meta.url).pathname,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', HOST: '127.0.0.1', LOG_LEVEL: 'warn', DEMO: 'false', CODE_LIMIT_PER_IP: '0' /* every test browser is 127.0.0.1; budget.test.ts tests the limit */, ISSUER: url, ...env, PORT: String(port) },
    ready: async () => (await fetch(`${url}/healthz`)).ok,
    timeoutMs: 15_000,
    name: 'saoma',
    keepChars: 20_000,
  });
  return { url, port, ...running };
}
