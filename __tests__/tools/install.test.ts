import * as toolCache from '@actions/tool-cache';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { installHelm, installKubectl, type InstallOptions } from '../../src/tools/install.js';
import { mirrorLayout, type MirrorLayout } from '../support/tool-mirror/layout.js';
import { failureOf } from '../support/failure.js';
import { startToolMirror, type ToolMirror } from '../support/tool-mirror/server.js';

// The real helm and kubectl, repacked into the official layouts and served from 127.0.0.1.
const options: InstallOptions = { platform: { os: 'linux', arch: 'amd64' }, retry: { attempts: 3, baseDelayMs: 1, idleTimeoutMs: 10_000 } };

let layout: MirrorLayout;
let mirror: ToolMirror;
let runnerDirs: string;

beforeAll(async () => {
  layout = mirrorLayout();
  mirror = await startToolMirror(layout.root);
});

afterAll(async () => {
  await mirror?.close();
});

/** A fresh runner: empty tool cache and temp folder, as tool-cache reads them on every call. */
function freshRunner(): void {
  runnerDirs = mkdtempSync(join(tmpdir(), 'tools-install-test-'));
  process.env['RUNNER_TOOL_CACHE'] = join(runnerDirs, 'tool-cache');
  process.env['RUNNER_TEMP'] = join(runnerDirs, 'temp');
  mirror.reset();
}

function cleanRunner(): void {
  rmSync(runnerDirs, { recursive: true, force: true });
}

const helmArchivePath = (): string => `/${layout.helm4.archive}`;
const helmRequest = (extra: { version?: string; sha256?: string } = {}) => ({ version: extra.version ?? '4.1.4', mirror: mirror.url, sha256: extra.sha256 });

function nothingCached(): void {
  expect(toolCache.find('helm', '4.1.4', 'amd64')).toBe('');
  const cacheDir = process.env['RUNNER_TOOL_CACHE']!;
  const entries = (() => {
    try {
      return readdirSync(join(cacheDir, 'helm'), { recursive: true });
    } catch {
      return [];
    }
  })();
  expect(entries).toEqual([]);
  // The half-verified download does not linger either.
  const temp = process.env['RUNNER_TEMP']!;
  expect(readdirSync(temp, { recursive: true })).toEqual([]);
}

describe('a helm and kubectl installation on a fresh runner', () => {
  beforeAll(freshRunner);
  afterAll(cleanRunner);

  it('installs helm 4.1.4 from the official archive layout, verified, and the binary runs', async () => {
    const helm = await installHelm(helmRequest(), options);
    expect(helm).toMatchObject({ version: 'v4.1.4', major: 4, fromCache: false });
    expect(helm.path.startsWith(process.env['RUNNER_TOOL_CACHE']!)).toBe(true);
    expect(execFileSync(helm.path, ['version', '--template', '{{.Version}}'], { encoding: 'utf8' })).toBe('v4.1.4');
    expect(mirror.requests).toEqual([helmArchivePath(), `${helmArchivePath()}.sha256sum`]);
  });

  it('installs kubectl 1.34.5 from the official binary layout, verified, and the binary runs', async () => {
    mirror.reset();
    const kubectl = await installKubectl({ version: 'v1.34.5', mirror: mirror.url }, options);
    expect(kubectl).toMatchObject({ version: 'v1.34.5', fromCache: false });
    expect(execFileSync(kubectl.path, ['version', '--client'], { encoding: 'utf8' })).toContain('Client Version: v1.34.5');
    expect(mirror.requests).toEqual([`/${layout.kubectl.path}`, `/${layout.kubectl.path}.sha256`]);
  });

  it('a second run on the same runner makes no network request at all', async () => {
    mirror.reset();
    const helm = await installHelm(helmRequest({ version: 'v4.1.4' }), options);
    const kubectl = await installKubectl({ version: '1.34.5', mirror: mirror.url }, options);
    expect(helm).toMatchObject({ version: 'v4.1.4', major: 4, fromCache: true });
    expect(kubectl).toMatchObject({ version: 'v1.34.5', fromCache: true });
    expect(mirror.requests).toEqual([]);
  });

  it('"latest" costs exactly one request (the pointer file) once the version is cached', async () => {
    mirror.reset();
    const helm = await installHelm(helmRequest({ version: 'latest' }), options);
    const kubectl = await installKubectl({ version: 'latest', mirror: mirror.url }, options);
    expect(helm).toMatchObject({ version: 'v4.1.4', fromCache: true });
    expect(kubectl).toMatchObject({ version: 'v1.34.5', fromCache: true });
    expect(mirror.requests).toEqual(['/helm-latest-version', '/stable.txt']);
  });

  it('"4.x" follows helm4-latest-version, and falls back to helm-latest-version on a mirror without it', async () => {
    mirror.reset();
    expect(await installHelm(helmRequest({ version: '4.x' }), options)).toMatchObject({ version: 'v4.1.4', major: 4 });
    mirror.override('/helm4-latest-version', null);
    expect(await installHelm(helmRequest({ version: 'v4.x' }), options)).toMatchObject({ version: 'v4.1.4', major: 4 });
    expect(mirror.requests).toEqual(['/helm4-latest-version', '/helm4-latest-version', '/helm-latest-version']);
  });

  it('"1.x" for kubectl follows stable-1.txt', async () => {
    mirror.reset();
    expect(await installKubectl({ version: '1.x', mirror: mirror.url }, options)).toMatchObject({ version: 'v1.34.5' });
    expect(mirror.requests).toEqual(['/stable-1.txt']);
  });

  it('refuses a "latest" that would jump to another major version, before downloading anything', async () => {
    mirror.reset();
    mirror.override('/helm-latest-version', 'v5.0.0\n');
    const error = await failureOf(installHelm(helmRequest({ version: 'latest' }), options));
    expect(error.message).toContain('helm-version "latest" resolves to v5.0.0');
    expect(error.message).toContain('set helm-version to 4.x');
    mirror.override('/stable.txt', 'v2.0.0');
    const kubectlError = await failureOf(installKubectl({ version: 'latest', mirror: mirror.url }, options));
    expect(kubectlError.message).toContain('kubectl-version "latest" resolves to v2.0.0');
    expect(kubectlError.message).toContain('1.x');
    expect(mirror.requests).toEqual(['/helm-latest-version', '/stable.txt']);
  });

  it('an exact version of an unsupported major is refused with the supported lines', async () => {
    mirror.reset();
    const error = await failureOf(installHelm(helmRequest({ version: 'v2.17.0' }), options));
    expect(error.message).toContain('supports 3.x or 4.x');
    expect(mirror.requests).toEqual([]);
  });
});

describe('helm 3', () => {
  beforeAll(freshRunner);
  afterAll(cleanRunner);

  it('"3.x" installs the newest Helm 3 and the major version is detected from the binary', async () => {
    const helm = await installHelm(helmRequest({ version: '3.x' }), options);
    expect(helm).toMatchObject({ version: 'v3.18.0', major: 3, fromCache: false });
    expect(execFileSync(helm.path, ['version', '--template', '{{.Version}}'], { encoding: 'utf8' })).toBe('v3.18.0');
    expect(mirror.requests).toEqual(['/helm3-latest-version', `/${layout.helm3.archive}`, `/${layout.helm3.archive}.sha256sum`]);
  });
});

describe('verification failures install nothing', () => {
  beforeEach(freshRunner);
  afterEach(cleanRunner);

  it('a tampered byte fails with the expected and actual digests, and nothing is cached', async () => {
    mirror.failNext(helmArchivePath(), 'tamper');
    const error = await failureOf(installHelm(helmRequest(), options));
    expect(error.message).toContain(`checksum mismatch for ${mirror.url}${helmArchivePath()}`);
    expect(error.message).toContain(`expected sha256 ${layout.helm4.sha256}`);
    const actual = /got ([0-9a-f]{64})/.exec(error.message)?.[1];
    expect(actual).toBeDefined();
    expect(actual).not.toBe(layout.helm4.sha256);
    expect(error.message).toContain('Nothing was installed or cached');
    nothingCached();
  });

  it('a mirror without checksum files is refused, naming helm-sha256 as the fix', async () => {
    mirror.override(`${helmArchivePath()}.sha256sum`, null);
    const error = await failureOf(installHelm(helmRequest(), options));
    expect(error.message).toContain(`publishes no checksum at ${mirror.url}${helmArchivePath()}.sha256sum (HTTP 404)`);
    expect(error.message).toContain('Set helm-sha256');
    nothingCached();
  });

  it('the same mirror works once helm-sha256 pins the digest, without asking for a checksum file', async () => {
    mirror.override(`${helmArchivePath()}.sha256sum`, null);
    const helm = await installHelm(helmRequest({ sha256: layout.helm4.sha256.toUpperCase() }), options);
    expect(helm).toMatchObject({ version: 'v4.1.4', major: 4, fromCache: false });
    expect(mirror.requests).toEqual([helmArchivePath()]);
  });

  it('a pinned digest overrides the published one: a wrong pin fails even though the mirror is intact', async () => {
    const wrong = 'ab'.repeat(32);
    const error = await failureOf(installKubectl({ version: '1.34.5', mirror: mirror.url, sha256: wrong }, options));
    expect(error.message).toContain(`expected sha256 ${wrong} (pinned by kubectl-sha256)`);
    expect(error.message).toContain(`got ${layout.kubectl.sha256}`);
    expect(error.message).toContain('check the value of kubectl-sha256');
    expect(toolCache.find('kubectl', '1.34.5', 'amd64')).toBe('');
  });

  it('a cached copy verified against another digest than the pinned one is not used', async () => {
    await installHelm(helmRequest(), options);
    mirror.reset();
    const wrong = 'cd'.repeat(32);
    const error = await failureOf(installHelm(helmRequest({ sha256: wrong }), options));
    expect(error.message).toContain(`expected sha256 ${wrong} (pinned by helm-sha256)`);
    expect(mirror.requests).toEqual([helmArchivePath()]);
  });

  it('a mirror URL with credentials is refused without repeating them', async () => {
    const error = await failureOf(installHelm({ version: '4.1.4', mirror: 'https://user:hunter2-token@mirror.example.cn/helm' }, options));
    expect(error.message).toContain('helm-mirror contains a user name or password');
    expect(error.message).not.toContain('hunter2-token');
  });

  it('a malformed pin is refused before any download', async () => {
    const error = await failureOf(installHelm(helmRequest({ sha256: 'not-a-digest' }), options));
    expect(error.message).toContain('helm-sha256 must be a SHA-256 digest');
    expect(mirror.requests).toEqual([]);
  });

  it('a release that matches its checksum but reports another version is refused and not cached', async () => {
    // A mirror that put the Helm 3 archive (and its checksum) under the Helm 4 name.
    mirror.override(helmArchivePath(), { file: join(layout.root, layout.helm3.archive) });
    mirror.override(`${helmArchivePath()}.sha256sum`, `${layout.helm3.sha256}  ${layout.helm4.archive}\n`);
    const error = await failureOf(installHelm(helmRequest(), options));
    expect(error.message).toContain('reports version "v3.18.0", but v4.1.4 was asked for');
    nothingCached();
  });

  it('an archive that matches its pinned digest but whose binary does not run is refused and not cached', async () => {
    const staging = join(runnerDirs, 'broken');
    mkdirSync(join(staging, 'linux-amd64'), { recursive: true });
    writeFileSync(join(staging, 'linux-amd64', 'helm'), '#!/bin/sh\necho "exec format error" >&2\nexit 126\n', { mode: 0o755 });
    const archive = join(runnerDirs, 'broken.tar.gz');
    execFileSync('tar', ['-czf', archive, '-C', staging, 'linux-amd64']);
    mirror.override(helmArchivePath(), { file: archive });
    const sha256 = createHash('sha256').update(readFileSync(archive)).digest('hex');
    const error = await failureOf(installHelm(helmRequest({ sha256 }), options));
    expect(error.message).toContain('matches its checksum but does not run on this linux/amd64 runner');
    expect(error.message).toContain('exec format error');
    nothingCached();
  });

  it('a tool-cache entry that this action did not verify is replaced, not trusted', async () => {
    const fake = join(runnerDirs, 'fake-helm');
    mkdirSync(fake);
    writeFileSync(join(fake, 'helm'), '#!/bin/sh\necho v4.1.4\n', { mode: 0o755 });
    await toolCache.cacheDir(fake, 'helm', '4.1.4', 'amd64');
    const helm = await installHelm(helmRequest(), options);
    expect(helm.fromCache).toBe(false);
    expect(execFileSync(helm.path, ['version', '--short'], { encoding: 'utf8' })).toMatch(/^v4\.1\.4\+g/);
  });
});

describe('network failures', () => {
  beforeEach(freshRunner);
  afterEach(cleanRunner);

  it('a 404 fails at once, naming the URL and the inputs to check', async () => {
    const error = await failureOf(installHelm(helmRequest({ version: 'v4.1.99' }), options));
    expect(error.message).toContain(`helm v4.1.99 is not at ${mirror.url}/helm-v4.1.99-linux-amd64.tar.gz (HTTP 404)`);
    expect(error.message).toContain('helm-version');
    expect(mirror.requests).toEqual(['/helm-v4.1.99-linux-amd64.tar.gz']);
  });

  it('a 500 then a 200 succeeds after one retry', async () => {
    mirror.failNext(helmArchivePath(), { status: 500 });
    const helm = await installHelm(helmRequest(), options);
    expect(helm).toMatchObject({ version: 'v4.1.4', fromCache: false });
    expect(mirror.countRequests(helmArchivePath())).toBe(2);
  });

  it('connection resets, before the answer and in the middle of the body, are retried', async () => {
    mirror.failNext(`/${layout.kubectl.path}`, 'reset', 'reset-mid-body');
    mirror.failNext(`/${layout.kubectl.path}.sha256`, { status: 503 });
    const kubectl = await installKubectl({ version: '1.34.5', mirror: mirror.url }, options);
    expect(execFileSync(kubectl.path, ['version', '--client'], { encoding: 'utf8' })).toContain('v1.34.5');
    expect(mirror.countRequests(`/${layout.kubectl.path}`)).toBe(3);
    expect(mirror.countRequests(`/${layout.kubectl.path}.sha256`)).toBe(2);
  });

  it('a download that stalls is abandoned after the idle timeout and retried', async () => {
    mirror.failNext(helmArchivePath(), 'stall');
    const helm = await installHelm(helmRequest(), { ...options, retry: { ...options.retry, idleTimeoutMs: 300 } });
    expect(helm).toMatchObject({ version: 'v4.1.4', fromCache: false });
    expect(mirror.countRequests(helmArchivePath())).toBe(2);
  });

  it('a mirror that keeps failing gives up after the configured attempts, naming the mirror input', async () => {
    mirror.failNext(helmArchivePath(), { status: 502 }, { status: 502 }, { status: 502 });
    const error = await failureOf(installHelm(helmRequest(), options));
    expect(error.message).toContain('HTTP 502');
    expect(error.message).toContain('gave up after 3 attempts');
    expect(error.message).toContain('helm-mirror');
    expect(mirror.countRequests(helmArchivePath())).toBe(3);
    nothingCached();
  });

  it('"latest" on a mirror without the pointer file says so and suggests an exact version', async () => {
    mirror.override('/stable.txt', null);
    const error = await failureOf(installKubectl({ version: 'latest', mirror: mirror.url }, options));
    expect(error.message).toContain(`needs ${mirror.url}/stable.txt`);
    expect(error.message).toContain('set kubectl-version to an exact version');
  });
});
