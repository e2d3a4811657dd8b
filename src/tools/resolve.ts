/**
 * Turns a version input into an exact version. `latest` and `<N>.x` cost one small request to the
 * mirror's pointer file (never the GitHub API, which rate-limits and is slow from China); an exact
 * version costs none.
 */
import { DownloadError, fetchText, type RetryPolicy } from './download.js';
import { checkToolVersionSpec, majorOf, parsePointerFile, parseVersionSpec } from './versions.js';
import { ToolInstallError, type ToolDescription } from './tool-description.js';

export async function resolveVersion(tool: ToolDescription, requested: string, mirror: string, policy: RetryPolicy): Promise<string> {
  const spec = parseVersionSpec(requested);
  if (!spec) throw new ToolInstallError(checkToolVersionSpec(requested, tool.inputs.version) ?? `${tool.inputs.version} is not a version.`);
  const defaultMajor = majorOf(tool.defaultVersion);
  if (spec.kind === 'exact') {
    checkSupportedMajor(tool, majorOf(spec.version), requested);
    return spec.version;
  }
  if (spec.kind === 'latest') {
    const pointerUrl = tool.latestUrl(mirror);
    const version = await readPointer(tool, requested, pointerUrl, policy);
    const major = majorOf(version);
    if (major !== defaultMajor) {
      throw new ToolInstallError(
        `${tool.inputs.version} "latest" resolves to ${version} (${pointerUrl}), which leaves ${tool.displayName} ${defaultMajor} ` +
          `(the default is ${tool.defaultVersion}). A new major version is never taken silently: set ${tool.inputs.version} to ` +
          `${defaultMajor}.x to stay on the newest ${tool.displayName} ${defaultMajor}` +
          (tool.supportedMajors.includes(major) ? `, or to ${major}.x to move to ${tool.displayName} ${major}.` : `; ${tool.displayName} ${major} is not supported by this release of the action.`),
      );
    }
    return version;
  }
  checkSupportedMajor(tool, spec.major, requested);
  const majorPointerUrl = tool.latestUrl(mirror, spec.major);
  let version: string;
  try {
    version = await readPointer(tool, requested, majorPointerUrl, policy);
  } catch (error) {
    // A mirror may copy only the overall pointer file: it still answers when its major is the one asked for.
    if (!(error instanceof ToolInstallError && error.status === 404)) throw error;
    const overallUrl = tool.latestUrl(mirror);
    version = await readPointer(tool, requested, overallUrl, policy);
    if (majorOf(version) !== spec.major) {
      throw new ToolInstallError(
        `${tool.inputs.version} "${requested}": ${tool.inputs.mirror} has no ${majorPointerUrl} and its ${overallUrl} names ${version}, ` +
          `not a ${spec.major}.x release. Set ${tool.inputs.version} to an exact ${spec.major}.x version, or add the pointer file to the mirror.`,
      );
    }
  }
  if (majorOf(version) !== spec.major) {
    throw new ToolInstallError(`${tool.inputs.version} "${requested}": ${majorPointerUrl} names ${version}, which is not a ${spec.major}.x release; the mirror is inconsistent. Pin an exact version.`);
  }
  return version;
}

function checkSupportedMajor(tool: ToolDescription, major: number, requested: string): void {
  if (tool.supportedMajors.includes(major)) return;
  const supported = tool.supportedMajors.map((m) => `${m}.x`).join(' or ');
  throw new ToolInstallError(`${tool.inputs.version} "${requested}" is ${tool.displayName} ${major}; this release of the action supports ${supported}. Set ${tool.inputs.version} to a ${supported} version (default ${tool.defaultVersion}).`);
}

async function readPointer(tool: ToolDescription, requested: string, url: string, policy: RetryPolicy): Promise<string> {
  let body: string;
  try {
    body = await fetchText(url, policy);
  } catch (error) {
    if (!(error instanceof DownloadError)) throw error;
    throw new ToolInstallError(
      `${tool.inputs.version} "${requested}" needs ${url} to find the version, and ${error.message}. ` +
        `Check ${tool.inputs.mirror}, or set ${tool.inputs.version} to an exact version (an exact version needs no lookup).`,
      error.status,
      error.transient,
    );
  }
  try {
    return parsePointerFile(body, url);
  } catch (error) {
    throw new ToolInstallError(`${tool.inputs.version} "${requested}": ${(error as Error).message} Check ${tool.inputs.mirror}.`);
  }
}
