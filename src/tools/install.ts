/**
 * Installs helm and kubectl the way the issue asks: official layouts on a configurable mirror,
 * SHA-256 verified while downloading (fail closed, nothing cached on a mismatch), the binary's own
 * version checked against the one asked for, and the result kept in the runner's tool cache so the
 * next run on the same runner downloads nothing.
 */
import * as toolCache from '@actions/tool-cache';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { log } from '../report/log.js';
import { runTool } from './exec.js';
import { DEFAULT_RETRY_POLICY, DownloadError, downloadToFile, fetchText, type RetryPolicy } from './download.js';
import {
  detectPlatform,
  executableName,
  helmArchiveFolder,
  helmArchiveName,
  helmArchiveUrl,
  helmChecksumUrl,
  helmLatestUrl,
  kubectlBinaryUrl,
  kubectlChecksumUrl,
  kubectlStableUrl,
  type ToolPlatform,
} from './platform.js';
import { resolveVersion } from './resolve.js';
import { ToolInstallError, type ToolDescription } from './tool-description.js';
import { majorOf } from './versions.js';

export { checkToolVersionSpec } from './versions.js';
export { ToolInstallError } from './tool-description.js';

export interface ToolRequest {
  /** '4.1.4' | 'v4.1.4' | 'latest' | '4.x' | 'v4.x' */
  version: string;
  mirror: string;
  /** Pinned digest of the archive (helm) or binary (kubectl); overrides the mirror's checksum file. */
  sha256?: string;
}

export interface InstalledTool {
  path: string;
  /** Resolved version, e.g. 'v4.1.4'. */
  version: string;
  fromCache: boolean;
}

export interface InstalledHelm extends InstalledTool {
  /** From running the binary, so later code can pick Helm 3 or Helm 4 flags. */
  major: 3 | 4;
}

/** For tests and the benchmark: the runner's platform and production retry timings are the defaults. */
export interface InstallOptions {
  platform?: ToolPlatform;
  retry?: Partial<RetryPolicy>;
}

export const DEFAULT_HELM_VERSION = 'v4.1.4';
export const DEFAULT_KUBECTL_VERSION = 'v1.34.5';
export const DEFAULT_HELM_MIRROR = 'https://get.helm.sh';
export const DEFAULT_KUBECTL_MIRROR = 'https://dl.k8s.io/release';

const HELM: ToolDescription = {
  name: 'helm',
  displayName: 'Helm',
  inputs: { version: 'helm-version', mirror: 'helm-mirror', sha256: 'helm-sha256' },
  defaultVersion: DEFAULT_HELM_VERSION,
  supportedMajors: [3, 4],
  latestUrl: helmLatestUrl,
};

const KUBECTL: ToolDescription = {
  name: 'kubectl',
  displayName: 'kubectl',
  inputs: { version: 'kubectl-version', mirror: 'kubectl-mirror', sha256: 'kubectl-sha256' },
  defaultVersion: DEFAULT_KUBECTL_VERSION,
  supportedMajors: [1],
  latestUrl: kubectlStableUrl,
};

/** Written next to the cached binary; a tool-cache entry without it was not put there by us. */
const VERIFIED_MARKER = 'harbor-tke-action-verified.json';

interface VerifiedMarker {
  sha256: string;
  url: string;
  /** What the binary said when it was run before caching (`helm version`, `kubectl version`). */
  reportedVersion: string;
}

export async function installHelm(request: ToolRequest, options: InstallOptions = {}): Promise<InstalledHelm> {
  const installed = await install(HELM, request, options, {
    downloadUrl: helmArchiveUrl,
    checksumUrl: helmChecksumUrl,
    fileName: helmArchiveName,
    stage: stageHelmArchive,
    probeVersion: probeHelmVersion,
  });
  const major = majorOf(installed.version);
  if (major !== 3 && major !== 4) throw new ToolInstallError(`helm ${installed.version} is neither Helm 3 nor Helm 4.`);
  return { ...installed, major };
}

export async function installKubectl(request: ToolRequest, options: InstallOptions = {}): Promise<InstalledTool> {
  return install(KUBECTL, request, options, {
    downloadUrl: kubectlBinaryUrl,
    checksumUrl: kubectlChecksumUrl,
    fileName: (_version, platform) => executableName('kubectl', platform),
    stage: stageKubectlBinary,
    probeVersion: probeKubectlVersion,
  });
}

interface Layout {
  downloadUrl(mirror: string, version: string, platform: ToolPlatform): string;
  checksumUrl(mirror: string, version: string, platform: ToolPlatform): string;
  fileName(version: string, platform: ToolPlatform): string;
  /** Turns the verified download into a folder holding the executable; returns that folder. */
  stage(downloaded: string, workDir: string, platform: ToolPlatform, url: string): Promise<string>;
  /** The version the binary reports about itself, e.g. 'v4.1.4'. */
  probeVersion(executable: string): Promise<string>;
}

async function install(tool: ToolDescription, request: ToolRequest, options: InstallOptions, layout: Layout): Promise<InstalledTool> {
  const platform = options.platform ?? detectPlatform();
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const mirror = checkMirror(tool, request.mirror);
  const pinned = normalisePin(tool, request.sha256);
  ensureToolCacheEnvironment();

  const version = await resolveVersion(tool, request.version, mirror, policy);
  const executable = executableName(tool.name, platform);
  // A cache hit does not run the binary again: it was run, and its version recorded, before caching.
  const cachedDir = await findVerified(tool, version, platform, pinned, executable);
  if (cachedDir) {
    const path = join(cachedDir, executable);
    log.info(`${tool.name} ${version}: found in the tool cache, verified when it was installed (${path})`);
    return { path, version, fromCache: true };
  }

  const runnerTemp = process.env['RUNNER_TEMP']!;
  await mkdir(runnerTemp, { recursive: true });
  const workDir = await mkdtemp(join(runnerTemp, `harbor-tke-action-${tool.name}-`));
  try {
    const url = layout.downloadUrl(mirror, version, platform);
    const downloaded = join(workDir, layout.fileName(version, platform));
    log.info(`${tool.name} ${version}: downloading ${url}`);
    const actual = await download(tool, version, url, downloaded, policy);
    const expected = pinned ?? (await publishedChecksum(tool, layout.checksumUrl(mirror, version, platform), layout.fileName(version, platform), policy));
    if (actual.sha256 !== expected.sha256) {
      throw new ToolInstallError(
        `${tool.name} ${version}: checksum mismatch for ${url}: expected sha256 ${expected.sha256} (${expected.source}), ` +
          `got ${actual.sha256} (${actual.bytes} bytes). Nothing was installed or cached. ` +
          `The download was altered on the way or ${tool.inputs.mirror} serves a different file; ` +
          (pinned ? `check the value of ${tool.inputs.sha256}.` : `use the official ${tool.inputs.mirror} or a mirror that copies it byte for byte.`),
      );
    }
    log.info(`${tool.name} ${version}: sha256 ${actual.sha256} matches ${expected.source}`);
    const staged = await layout.stage(downloaded, workDir, platform, url);
    const reportedVersion = await layout.probeVersion(join(staged, executable)).catch((error: Error) => {
      throw new ToolInstallError(
        `${tool.name} ${version} from ${url} matches its checksum but does not run on this ${platform.os}/${platform.arch} runner ` +
          `(${error.message}). Nothing was cached; check that ${tool.inputs.mirror} serves the official ${platform.os}-${platform.arch} build.`,
      );
    });
    checkReportedVersion(tool, reportedVersion, version, url, actual.sha256);
    const marker: VerifiedMarker = { sha256: actual.sha256, url, reportedVersion };
    await writeFile(join(staged, VERIFIED_MARKER), `${JSON.stringify(marker, null, 2)}\n`);
    const cached = await toolCache.cacheDir(staged, tool.name, version, platform.arch);
    return { path: join(cached, executable), version, fromCache: false };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

function checkMirror(tool: ToolDescription, mirror: string): string {
  const trimmed = mirror.trim();
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    throw new ToolInstallError(`${tool.inputs.mirror} ${JSON.stringify(mirror)} is not a URL: give the base URL of a copy of the official layout, e.g. ${tool.name === 'helm' ? DEFAULT_HELM_MIRROR : DEFAULT_KUBECTL_MIRROR}.`);
  }
  if (parsed.username || parsed.password) {
    // Not echoed: the value holds a credential.
    throw new ToolInstallError(`${tool.inputs.mirror} contains a user name or password, which downloads cannot use: make the mirror readable without credentials (e.g. a public-read COS bucket or a VPC-only endpoint).`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ToolInstallError(`${tool.inputs.mirror} ${JSON.stringify(mirror)} must be an http(s) URL.`);
  }
  if (parsed.search || parsed.hash) {
    throw new ToolInstallError(`${tool.inputs.mirror} ${JSON.stringify(mirror)} must be a base URL without ?query or #fragment: file names are appended to it.`);
  }
  return trimmed;
}

function normalisePin(tool: ToolDescription, value: string | undefined): { sha256: string; source: string } | undefined {
  const trimmed = value?.trim().toLowerCase();
  if (!trimmed) return undefined;
  if (!/^[0-9a-f]{64}$/.test(trimmed)) {
    throw new ToolInstallError(`${tool.inputs.sha256} must be a SHA-256 digest (64 hexadecimal characters); got ${value!.trim().length} characters.`);
  }
  return { sha256: trimmed, source: `pinned by ${tool.inputs.sha256}` };
}

async function findVerified(
  tool: ToolDescription,
  version: string,
  platform: ToolPlatform,
  pinned: { sha256: string } | undefined,
  executable: string,
): Promise<string | undefined> {
  const dir = toolCache.find(tool.name, version, platform.arch);
  if (!dir) return undefined;
  let marker: VerifiedMarker | undefined;
  try {
    marker = JSON.parse(await readFile(join(dir, VERIFIED_MARKER), 'utf8')) as VerifiedMarker;
  } catch {
    marker = undefined;
  }
  if (!marker || marker.reportedVersion !== version || !(await isFile(join(dir, executable)))) {
    log.info(`${tool.name} ${version} in the tool cache (${dir}) was not installed and verified by this action: installing a verified copy over it.`);
    return undefined;
  }
  if (pinned && marker.sha256 !== pinned.sha256) {
    log.info(`${tool.name} ${version} in the tool cache was verified against sha256 ${marker.sha256}, but ${tool.inputs.sha256} pins ${pinned.sha256}: downloading again.`);
    return undefined;
  }
  return dir;
}

async function download(tool: ToolDescription, version: string, url: string, file: string, policy: RetryPolicy): Promise<{ sha256: string; bytes: number }> {
  try {
    return await downloadToFile(url, file, policy);
  } catch (error) {
    if (!(error instanceof DownloadError)) throw error;
    if (error.status === 404) {
      throw new ToolInstallError(
        `${tool.name} ${version} is not at ${url} (HTTP 404). Check that ${tool.inputs.version} names a released version ` +
          `and that ${tool.inputs.mirror} copies the official layout.`,
        404,
      );
    }
    throw new ToolInstallError(`${tool.name} ${version}: download failed: ${error.message}. Check ${tool.inputs.mirror} and the runner's network.`, error.status, error.transient);
  }
}

async function publishedChecksum(tool: ToolDescription, url: string, fileName: string, policy: RetryPolicy): Promise<{ sha256: string; source: string }> {
  let body: string;
  try {
    body = await fetchText(url, policy);
  } catch (error) {
    if (!(error instanceof DownloadError)) throw error;
    const missing = error.status === 404 || error.status === 403;
    throw new ToolInstallError(
      missing
        ? `${tool.inputs.mirror} publishes no checksum at ${url} (HTTP ${error.status}), and an unverified ${tool.name} is never installed. ` +
            `Set ${tool.inputs.sha256} to the digest published by the ${tool.name} project, or use a mirror that copies the checksum files.`
        : `could not read the checksum ${url}: ${error.message}. Check ${tool.inputs.mirror}, or set ${tool.inputs.sha256}.`,
      error.status,
      !missing && error.transient,
    );
  }
  // "<hex>" (dl.k8s.io) or "<hex>  <file name>" (get.helm.sh, sha256sum format).
  const [digest, name] = body.trim().split(/\s+/);
  if (!digest || !/^[0-9a-fA-F]{64}$/.test(digest)) {
    throw new ToolInstallError(`${url} does not hold a SHA-256 digest (it starts ${JSON.stringify(body.slice(0, 40))}). Check ${tool.inputs.mirror}, or set ${tool.inputs.sha256}.`);
  }
  if (name && name.replace(/^\*/, '') !== fileName) {
    throw new ToolInstallError(`${url} is the checksum of ${name}, not of ${fileName}: ${tool.inputs.mirror} is inconsistent. Check the mirror, or set ${tool.inputs.sha256}.`);
  }
  return { sha256: digest.toLowerCase(), source: `published at ${url}` };
}

async function stageHelmArchive(archive: string, workDir: string, platform: ToolPlatform, url: string): Promise<string> {
  const extracted = join(workDir, 'extracted');
  await mkdir(extracted);
  if (platform.os === 'windows') await toolCache.extractZip(archive, extracted);
  else await toolCache.extractTar(archive, extracted);
  const folder = join(extracted, helmArchiveFolder(platform));
  const executable = join(folder, executableName('helm', platform));
  if (!(await isFile(executable))) {
    throw new ToolInstallError(`${url} does not contain ${helmArchiveFolder(platform)}/${executableName('helm', platform)} as the official archives do: check helm-mirror.`);
  }
  return folder;
}

async function stageKubectlBinary(binary: string, workDir: string, platform: ToolPlatform): Promise<string> {
  const folder = join(workDir, 'staged');
  await mkdir(folder);
  const executable = join(folder, executableName('kubectl', platform));
  await rename(binary, executable);
  if (platform.os !== 'windows') await chmod(executable, 0o755);
  return folder;
}

async function probeHelmVersion(executable: string): Promise<string> {
  // --template works the same in Helm 3 and 4 and prints exactly the version.
  const { stdout } = await runTool(executable, ['version', '--template', '{{.Version}}']);
  return stdout.trim();
}

async function probeKubectlVersion(executable: string): Promise<string> {
  const { stdout } = await runTool(executable, ['version', '--client', '--output', 'json'], { quietStdout: true });
  const parsed = JSON.parse(stdout) as { clientVersion?: { gitVersion?: string } };
  return parsed.clientVersion?.gitVersion ?? '';
}

function checkReportedVersion(tool: ToolDescription, reported: string, expected: string, url: string, sha256: string): void {
  if (reported === expected) return;
  throw new ToolInstallError(
    `${tool.name} downloaded from ${url} (sha256 ${sha256}, matching its checksum) reports version ${JSON.stringify(reported)}, ` +
      `but ${expected} was asked for: ${tool.inputs.mirror} serves another release under this name. Nothing was cached; ` +
      `use the official ${tool.inputs.mirror} or fix the mirror.`,
  );
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * @actions/tool-cache reads RUNNER_TOOL_CACHE and RUNNER_TEMP on every call. A runner sets both;
 * a local run (bin/local-run.js) does not, so it gets a cache under the user's home.
 */
function ensureToolCacheEnvironment(): void {
  const base = join(homedir() || tmpdir(), '.cache', 'harbor-tke-action');
  if (!process.env['RUNNER_TOOL_CACHE']) process.env['RUNNER_TOOL_CACHE'] = join(base, 'tools');
  if (!process.env['RUNNER_TEMP']) process.env['RUNNER_TEMP'] = join(base, 'tmp');
}
