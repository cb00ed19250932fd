import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { ConfigError, loadConfig, type Config } from '../src/config/load.ts';
import { createEmulator } from '../src/emulator/emulator.ts';
import { createLogger } from '../src/log.ts';
import { startServer, type RedisProcess } from './helpers/redis.ts';
import { freePort } from './helpers/saoma.ts';

/**
 * The deployment kit (deploy/): the Compose file, its Caddyfile and the kustomize base render
 * offline with Debian's tools (`docker-compose config`, `caddy adapt`, `kubectl kustomize`), every
 * saoma container they describe gets an environment saoma's own loader accepts in production (no
 * second list of required variables that could drift from src/config), the probes point at
 * /healthz and /readyz, Redis keeps its data, no secret is written into the kit, and the image's
 * start command, run with the environment the kit gives it, serves /readyz.
 */

const ROOT = new URL('../', import.meta.url).pathname.replace(/\/$/, '');
const COMPOSE = join(ROOT, 'deploy/compose.yaml');
const ENV_EXAMPLE = join(ROOT, 'deploy/.env.example');
const CADDYFILE = join(ROOT, 'deploy/Caddyfile');
const K8S = join(ROOT, 'deploy/k8s');

type Doc = Record<string, any>;

/** Temporary directories of this file (env files with the test's secrets), removed at the end. */
const temporary: string[] = [];
function temporaryDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'saoma-deploy-'));
  temporary.push(dir);
  return dir;
}
after(() => { for (const dir of temporary) rmSync(dir, { recursive: true, force: true }); });

/** Runs a tool; a missing one fails with how to get it (.ci/run installs both from Debian). */
function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): { status: number; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', input: options.input, env: options.env ?? process.env });
  if (result.error) assert.fail(`${command} did not run (${result.error.message}); install Debian's ${command === 'kubectl' ? 'kubernetes-client' : command === 'python3' ? 'python3-yaml' : command} package (.ci/run does)`);
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/**
 * YAML documents as JSON. docker-compose (a Python program) brings PyYAML with it, so parsing
 * through it needs no YAML library of our own.
 */
function yamlDocs(text: string): Doc[] {
  const script = 'import sys, json, yaml; json.dump([d for d in yaml.safe_load_all(sys.stdin) if d is not None], sys.stdout)';
  const parsed = run('python3', ['-c', script], { input: text });
  assert.equal(parsed.status, 0, parsed.stderr);
  return JSON.parse(parsed.stdout);
}

/** What the image brings: the Dockerfile's ENV (under the deployment's environment) and CMD. */
function image(): { env: Record<string, string>; cmd: string[]; user: string } {
  const lines = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').split('\n');
  const stage = lines.slice(lines.findLastIndex((line) => line.startsWith('FROM ')));
  const env: Record<string, string> = {};
  for (const line of stage.filter((l) => l.startsWith('ENV '))) {
    for (const pair of line.slice(4).trim().split(/\s+/)) {
      const match = /^([A-Z_][A-Z0-9_]*)=([^"'\s]*)$/.exec(pair);
      assert.ok(match, `this test reads ENV lines of the form NAME=value only: ${line}`);
      env[match[1]!] = match[2]!;
    }
  }
  const cmd = JSON.parse(stage.find((l) => l.startsWith('CMD '))!.slice(4)) as string[];
  const user = stage.find((l) => l.startsWith('USER '))!.slice(5).trim();
  return { env, cmd, user };
}

function load(environment: Record<string, string>): Config {
  try {
    return loadConfig(environment);
  } catch (err) {
    if (err instanceof ConfigError) assert.fail(`saoma refuses this environment:\n${err.problems.join('\n')}`);
    throw err;
  }
}

function problemsOf(environment: Record<string, string>): string[] {
  try {
    loadConfig(environment);
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
}

/** A production configuration of the kind the kit is for: Redis, real WeChat, https issuer, behind a proxy. */
function assertProduction(config: Config, issuer: string): void {
  assert.equal(config.production, true, 'NODE_ENV=production');
  assert.equal(config.issuer, issuer);
  assert.equal(config.store.kind, 'redis');
  assert.equal(config.wechat.emulator, false, 'a real mini-program, not the emulator');
  assert.ok(config.env.TRUST_PROXY, 'TRUST_PROXY set: saoma sits behind a TLS-terminating proxy');
  assert.ok(config.env.ADMIN_TOKEN, 'ADMIN_TOKEN set');
}

/** Secrets of the right shape, as `openssl rand -base64 48` and WeChat make them. */
const secretValue: Record<string, () => string> = {
  WECHAT_SECRET: () => randomBytes(16).toString('hex'),
  COOKIE_KEYS: () => randomBytes(48).toString('base64'),
  ADMIN_TOKEN: () => randomBytes(48).toString('base64'),
};
const operatorValue: Record<string, () => string> = {
  ...secretValue,
  SAOMA_DOMAIN: () => 'login.example.test',
  SAOMA_TLS: () => 'ops@example.test',
  WECHAT_APPID: () => `wx${randomBytes(8).toString('hex')}`,
};

/** The kit's one list of secrets: the keys of its placeholder Secret. */
let secretKeyList: string[] | undefined;
function secretKeys(): string[] {
  secretKeyList ??= Object.keys(yamlDocs(readFileSync(join(K8S, 'secret.yaml'), 'utf8'))[0]!.stringData);
  return [...secretKeyList];
}

/** deploy/.env.example filled in as the operator does: every value compose.yaml insists on. */
function filledEnvFile(): { file: string; values: Record<string, string> } {
  const yaml = readFileSync(COMPOSE, 'utf8').split('\n').filter((line) => !/^\s*#/.test(line)).join('\n');
  const required = [...yaml.matchAll(/\$\{([A-Z_][A-Z0-9_]*):\?/g)].map((m) => m[1]!);
  const values: Record<string, string> = {};
  const lines = readFileSync(ENV_EXAMPLE, 'utf8').split('\n').map((line) => {
    const name = /^([A-Z_][A-Z0-9_]*)=$/.exec(line)?.[1];
    if (!name || !required.includes(name)) return line;
    const make = operatorValue[name];
    assert.ok(make, `this test needs a value of the right shape for ${name}`);
    values[name] = make();
    return `${name}=${values[name]}`;
  });
  for (const name of required) assert.ok(name in values, `deploy/.env.example lists ${name}, which compose.yaml requires`);
  const file = join(temporaryDir(), '.env');
  writeFileSync(file, lines.join('\n'));
  return { file, values };
}

function renderCompose(envFile: string): { status: number; stdout: string; stderr: string } {
  return run('docker-compose', ['--file', COMPOSE, '--env-file', envFile, 'config']);
}

/** The saoma services: those built from the repository's Dockerfile. */
function saomaServices(compose: Doc): [string, Doc][] {
  return Object.entries(compose.services as Record<string, Doc>).filter(([, service]) => service.build?.context === ROOT);
}

/** `caddy adapt`: the Caddyfile as Caddy understands it (JSON), offline, provisioning nothing. */
function caddyConfig(environment: Record<string, string>): Doc {
  const adapted = run('caddy', ['adapt', '--config', CADDYFILE, '--adapter', 'caddyfile'], { env: { PATH: process.env.PATH, ...environment } });
  assert.equal(adapted.status, 0, adapted.stderr);
  return JSON.parse(adapted.stdout);
}

/** A container's environment in Kubernetes: envFrom in order, then env (which wins), over the image's ENV. */
function k8sEnvironment(docs: Doc[], container: Doc, secretData: (secret: Doc) => Record<string, string>): Record<string, string> {
  const find = (kind: string, name: string) => {
    const doc = docs.find((d) => d.kind === kind && d.metadata.name === name);
    assert.ok(doc, `the ${kind} ${name} the Deployment refers to is in the base`);
    return doc;
  };
  const environment: Record<string, string> = { ...image().env };
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) Object.assign(environment, find('ConfigMap', source.configMapRef.name).data);
    if (source.secretRef) Object.assign(environment, secretData(find('Secret', source.secretRef.name)));
  }
  for (const variable of container.env ?? []) {
    if ('value' in variable) environment[variable.name] = variable.value;
    else if (variable.valueFrom?.configMapKeyRef) environment[variable.name] = find('ConfigMap', variable.valueFrom.configMapKeyRef.name).data[variable.valueFrom.configMapKeyRef.key];
    else if (variable.valueFrom?.secretKeyRef) environment[variable.name] = secretData(find('Secret', variable.valueFrom.secretKeyRef.name))[variable.valueFrom.secretKeyRef.key]!;
  }
  return environment;
}

describe('deploy/compose.yaml', () => {
  let compose: Doc;
  let values: Record<string, string>;

  before(() => {
    const env = filledEnvFile();
    values = env.values;
    const rendered = renderCompose(env.file);
    assert.equal(rendered.status, 0, rendered.stderr);
    compose = yamlDocs(rendered.stdout)[0]!;
  });

  it('renders offline with .env filled in; with .env.example as it is, it refuses and names what is missing', () => {
    const unfilled = join(temporaryDir(), '.env');
    writeFileSync(unfilled, readFileSync(ENV_EXAMPLE));
    const refused = renderCompose(unfilled);
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /set [A-Z_]+ in \.env/);
  });

  it('two saoma processes, each with an environment saoma accepts in production', () => {
    const services = saomaServices(compose);
    assert.equal(services.length, 2, 'two saoma processes built from the Dockerfile');
    for (const [name, service] of services) {
      const config = load({ ...image().env, ...service.environment });
      assertProduction(config, `https://${values.SAOMA_DOMAIN}`);
      assert.equal(service.depends_on?.redis?.condition, 'service_healthy', `${name} starts once Redis answers`);
    }
  });

  it('the secrets come from .env alone: compose.yaml holds none of them', () => {
    const raw = yamlDocs(readFileSync(COMPOSE, 'utf8'))[0]!;
    for (const [name, service] of saomaServices(compose)) {
      const written = raw.services[name].environment as Record<string, string>;
      for (const key of secretKeys()) {
        assert.match(written[key] ?? '', new RegExp(`^\\$\\{${key}:\\?`), `${name}: ${key} is \${${key}:?…} in compose.yaml`);
        assert.equal(service.environment[key], values[key], `${name}: ${key} is the value from .env`);
      }
    }
  });

  it('Redis keeps its data: AOF, noeviction, a volume at /data', () => {
    const redis = compose.services.redis;
    const args = (redis.command as string[]).join(' ');
    assert.match(args, /--appendonly yes\b/);
    assert.match(args, /--maxmemory-policy noeviction\b/);
    assert.ok((redis.volumes as string[]).some((volume) => /^[a-z-]+:\/data(:|$)/.test(volume)), 'a named volume at /data');
    for (const [, service] of saomaServices(compose)) assert.equal(service.environment.REDIS_URL, 'redis://redis:6379');
  });

  it('Docker checks /healthz; Caddy balances both processes, checks /readyz and serves the issuer over TLS', () => {
    const saoma = saomaServices(compose);
    for (const [, service] of saoma) assert.ok((service.healthcheck.test as string[]).join(' ').includes('/healthz'));
    const proxy = compose.services.proxy;
    assert.ok((proxy.volumes as string[]).some((volume) => volume.startsWith(`${CADDYFILE}:/etc/caddy/Caddyfile`)), 'the Caddyfile is mounted');
    assert.equal(proxy.environment.SAOMA_DOMAIN, values.SAOMA_DOMAIN);
    assert.deepEqual(proxy.ports.map((p: Doc) => p.target).sort(), [443, 443, 80]);
    // Caddy's own reading of the Caddyfile, with the environment Compose gives the proxy.
    const caddy = caddyConfig(proxy.environment);
    const site = caddy.apps.http.servers.srv0;
    assert.deepEqual(site.listen, [':443']);
    assert.deepEqual(site.routes[0].match, [{ host: [values.SAOMA_DOMAIN] }], 'the site is the issuer\'s host');
    const balancer = site.routes[0].handle[0].routes[0].handle[0];
    assert.equal(balancer.handler, 'reverse_proxy');
    assert.deepEqual(balancer.upstreams.map((u: Doc) => u.dial), saoma.map(([name, service]) => `${name}:${service.environment.PORT}`), 'both saoma processes, on their PORT');
    assert.equal(balancer.health_checks.active.uri, '/readyz');
    assert.deepEqual(caddy.apps.tls.automation.policies[0].issuers[0], { module: 'acme', email: values.SAOMA_TLS }, 'certificates from an ACME CA');
    assert.deepEqual(caddyConfig({ ...proxy.environment, SAOMA_TLS: 'internal' }).apps.tls.automation.policies[0].issuers, [{ module: 'internal' }], 'or Caddy\'s own CA');
  });
});

describe('deploy/k8s (kustomize base)', () => {
  let docs: Doc[];
  const of = (kind: string) => docs.filter((d) => d.kind === kind);
  const deployment = () => of('Deployment')[0]!;
  const container = () => deployment().spec.template.spec.containers[0];
  const operatorSecrets = (secret: Doc) => Object.fromEntries(Object.keys(secret.stringData).map((key) => [key, secretValue[key]!()]));

  before(() => {
    const rendered = run('kubectl', ['kustomize', K8S]);
    assert.equal(rendered.status, 0, rendered.stderr);
    docs = yamlDocs(rendered.stdout);
  });

  it('renders a Deployment of two saoma pods, a Service, an Ingress, a ConfigMap and a Secret', () => {
    assert.deepEqual(docs.map((d) => d.kind).sort(), ['ConfigMap', 'Deployment', 'Ingress', 'Secret', 'Service']);
    assert.equal(deployment().spec.replicas, 2);
    assert.equal(deployment().spec.template.spec.containers.length, 1);
  });

  it('with the Secret from the operator\'s secret management, saoma accepts the pod\'s environment in production', () => {
    const environment = k8sEnvironment(docs, container(), operatorSecrets);
    assertProduction(load(environment), of('ConfigMap')[0]!.data.ISSUER);
  });

  it('a cookie key or admin token left as the placeholder stops saoma at start, naming it', () => {
    for (const key of ['COOKIE_KEYS', 'ADMIN_TOKEN']) {
      const problems = problemsOf(k8sEnvironment(docs, container(), (secret) => ({ ...operatorSecrets(secret), [key]: secret.stringData[key] })));
      assert.ok(problems.some((p) => p.startsWith(key)), `${key}: ${problems.join('\n')}`);
    }
  });

  it('secrets live only in the Secret, as the documented placeholders', () => {
    const keys = secretKeys();
    assert.deepEqual(keys.sort(), ['ADMIN_TOKEN', 'COOKIE_KEYS', 'WECHAT_SECRET']);
    for (const doc of docs) {
      if (doc.kind === 'Secret') {
        for (const value of Object.values(doc.stringData ?? {})) assert.equal(value, 'REPLACE_ME');
        assert.equal(doc.data, undefined, 'no encoded values besides the placeholders');
      } else if (doc.kind === 'ConfigMap') {
        for (const key of keys) assert.ok(!(key in doc.data), `${key} is not in the ConfigMap`);
      }
    }
    for (const variable of container().env ?? []) assert.ok(!(keys.includes(variable.name) && 'value' in variable), `${variable.name} is not written into the Deployment`);
  });

  it('liveness on /healthz, readiness on /readyz, on the port saoma listens on; Service and Ingress lead there over TLS', () => {
    const c = container();
    const port = c.ports.find((p: Doc) => p.name === 'http');
    assert.equal(String(port.containerPort), k8sEnvironment(docs, c, operatorSecrets).PORT);
    assert.deepEqual(c.livenessProbe.httpGet, { path: '/healthz', port: 'http' });
    assert.deepEqual(c.readinessProbe.httpGet, { path: '/readyz', port: 'http' });
    const service = of('Service')[0]!;
    assert.deepEqual(service.spec.selector, deployment().spec.template.metadata.labels);
    assert.deepEqual(service.spec.ports.map((p: Doc) => p.targetPort), ['http'], 'the public port only, not the admin port');
    const ingress = of('Ingress')[0]!;
    const host = new URL(of('ConfigMap')[0]!.data.ISSUER).host;
    assert.deepEqual(ingress.spec.rules.map((r: Doc) => r.host), [host]);
    assert.ok(ingress.spec.tls.some((t: Doc) => t.hosts.includes(host) && t.secretName));
    assert.deepEqual(ingress.spec.rules[0].http.paths[0].backend.service, { name: service.metadata.name, port: { name: 'http' } });
    assert.ok(service.spec.ports.some((p: Doc) => p.name === 'http'));
  });

  it('runs as the image\'s non-root node user, on a read-only root filesystem, with resources', () => {
    assert.equal(image().user, 'node');
    const pod = deployment().spec.template.spec.securityContext;
    // uid 1000 is the node user of the official node images.
    assert.equal(pod.runAsNonRoot, true);
    assert.equal(pod.runAsUser, 1000);
    const c = container();
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
    assert.ok(c.resources.requests.memory && c.resources.limits.memory);
  });
});

/**
 * The image's start command (the Dockerfile's CMD, `node src/main.ts`) with the environment the
 * kit gives each container, on this machine: there is no Docker daemon to run the image itself.
 * Production mode runs for real. Only what a container has and this machine has not is changed:
 * REDIS_URL (the Compose name `redis` / the operator's Redis) points at a throwaway Redis started
 * with compose.yaml's own Redis command; HOST / ADMIN_HOST are loopback and PORT / ADMIN_PORT free
 * ports (three processes on one machine instead of three network namespaces); and WECHAT_API_BASE
 * points at the WeChat emulator, configured with the same AppID and AppSecret, because there is no
 * internet here. Production refuses the emulator in place of a mini-program, not a WeChat API base.
 */
describe('the image\'s start command, with the kit\'s environment', () => {
  let redis: RedisProcess;
  let redisUrl: string;
  let compose: Doc;
  let values: Record<string, string>;
  let emulator: Server | undefined;
  let emulatorUrl: string;
  const started: ChildProcess[] = [];

  before(async () => {
    const env = filledEnvFile();
    values = env.values;
    const rendered = renderCompose(env.file);
    assert.equal(rendered.status, 0, rendered.stderr);
    compose = yamlDocs(rendered.stdout)[0]!;
    const [program, ...args] = compose.services.redis.command as string[];
    assert.equal(program, 'redis-server');
    const redisDir = temporaryDir();
    const port = await freePort();
    // Compose's arguments come last, so they win over the throwaway defaults (no AOF).
    redis = await startServer(port, ['--dir', redisDir, ...args]);
    redisUrl = `redis://127.0.0.1:${port}`;
    const wechat = createEmulator({ appid: values.WECHAT_APPID!, secret: values.WECHAT_SECRET!, log: createLogger('silent') });
    emulator = wechat.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => emulator!.once('listening', resolve));
    emulatorUrl = `http://127.0.0.1:${(emulator.address() as { port: number }).port}`;
  });

  after(async () => {
    await Promise.all(started.map(stop));
    emulator?.close();
    await redis?.kill();
  });

  it('Redis, started with compose.yaml\'s command, runs with AOF and noeviction', async () => {
    const client = new Redis(redisUrl, { lazyConnect: true });
    try {
      await client.connect();
      assert.deepEqual(await client.config('GET', 'appendonly'), ['appendonly', 'yes']);
      assert.deepEqual(await client.config('GET', 'maxmemory-policy'), ['maxmemory-policy', 'noeviction']);
    } finally {
      client.disconnect();
    }
  });

  it('Compose\'s two saoma containers start in production on one Redis and are ready; their healthcheck passes', async () => {
    const processes = await Promise.all(saomaServices(compose).map(async ([, service]) => {
      const env = await onThisMachine({ ...image().env, ...service.environment });
      return { env, saoma: await startCmd(env) };
    }));
    for (const { env, saoma } of processes) {
      const ready = await fetch(`http://127.0.0.1:${env.PORT}/readyz`);
      assert.equal(ready.status, 200, saoma.output());
      const [command, ...args] = (saomaServices(compose)[0]![1].healthcheck.test as string[]).slice(1);
      assert.equal(command, 'node');
      const check = spawnSync(process.execPath, args, { env: { ...env }, encoding: 'utf8', timeout: 60_000 });
      assert.equal(check.status, 0, `compose's healthcheck: ${check.stderr}`);
      const discovery = await (await fetch(`http://127.0.0.1:${env.PORT}/.well-known/openid-configuration`)).json() as { issuer: string };
      assert.equal(discovery.issuer, `https://${values.SAOMA_DOMAIN}`);
    }
    for (const { saoma } of processes) {
      for (const key of secretKeys()) assert.ok(!saoma.output().includes(values[key]!), `${key} is not in the log`);
    }
  });

  it('the Kubernetes pod\'s environment starts in production and is ready', async () => {
    const rendered = run('kubectl', ['kustomize', K8S]);
    assert.equal(rendered.status, 0, rendered.stderr);
    const docs = yamlDocs(rendered.stdout);
    const pod = docs.find((d) => d.kind === 'Deployment')!.spec.template.spec.containers[0];
    // The operator's Secret, with the AppID and AppSecret the emulator plays.
    const environment = k8sEnvironment(docs, pod, (secret) => ({ ...Object.fromEntries(Object.keys(secret.stringData).map((key) => [key, secretValue[key]!()])), WECHAT_SECRET: values.WECHAT_SECRET! }));
    environment.WECHAT_APPID = values.WECHAT_APPID!;
    const env = await onThisMachine(environment);
    const saoma = await startCmd(env);
    const ready = await fetch(`http://127.0.0.1:${env.PORT}/readyz`);
    assert.equal(ready.status, 200, saoma.output());
  });

  /** The container's environment, changed only where this machine differs from a container (see above). */
  async function onThisMachine(environment: Record<string, string>): Promise<Record<string, string>> {
    const env: Record<string, string> = { ...environment, REDIS_URL: redisUrl, HOST: '127.0.0.1', PORT: String(await freePort()), WECHAT_API_BASE: emulatorUrl };
    if (env.ADMIN_PORT) Object.assign(env, { ADMIN_HOST: '127.0.0.1', ADMIN_PORT: String(await freePort()) });
    assertProduction(load(env), env.ISSUER!);
    return env;
  }

  /** Runs the Dockerfile's CMD in the repository (the image's /app) and waits until /readyz answers 200. */
  async function startCmd(env: Record<string, string>): Promise<{ output(): string }> {
    const [program, ...args] = image().cmd;
    assert.equal(program, 'node');
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(child);
    process.once('exit', () => child.kill('SIGKILL'));
    let output = '';
    const keep = (chunk: Buffer) => { output = (output + chunk.toString()).slice(-20_000); };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    // A bound for a start that hangs, not an expectation: under load, loading Node, the TypeScript
    // sources and oidc-provider alone has taken 20 s here (load average 20 on 2 cores).
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (child.exitCode !== null) assert.fail(`the start command exited (${child.exitCode}):\n${output}`);
      const status = await fetch(`http://127.0.0.1:${env.PORT}/readyz`).then((r) => r.status, () => 0);
      if (status === 200) return { output: () => output };
      if (Date.now() > deadline) assert.fail(`not ready in 90 s (last /readyz: ${status}):\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
});

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => { clearTimeout(timer); resolve(); });
    child.kill('SIGTERM');
  });
}
