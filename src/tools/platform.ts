/**
 * The runner's platform in the names the helm and kubectl release layouts use (Go's GOOS/GOARCH),
 * and the download URLs composed from it. Pure: no I/O, so every os/arch combination is testable
 * on one machine.
 */
export type ToolOs = 'linux' | 'darwin' | 'windows';
export type ToolArch = 'amd64' | 'arm64';

export interface ToolPlatform {
  os: ToolOs;
  arch: ToolArch;
}

export const SUPPORTED_PLATFORMS: readonly ToolPlatform[] = (['linux', 'darwin', 'windows'] as const).flatMap((os) =>
  (['amd64', 'arm64'] as const).map((arch) => ({ os, arch })),
);

const OS_BY_NODE_PLATFORM: Partial<Record<NodeJS.Platform, ToolOs>> = { linux: 'linux', darwin: 'darwin', win32: 'windows' };
const ARCH_BY_NODE_ARCH: Partial<Record<string, ToolArch>> = { x64: 'amd64', arm64: 'arm64' };

export function detectPlatform(platform: NodeJS.Platform = process.platform, arch: string = process.arch): ToolPlatform {
  const os = OS_BY_NODE_PLATFORM[platform];
  const goArch = ARCH_BY_NODE_ARCH[arch];
  if (!os || !goArch) {
    throw new Error(
      `helm and kubectl are published for linux, darwin and windows on amd64 and arm64; this runner is ${platform}/${arch}. ` +
        'Run the job on a supported runner (for example ubuntu-latest).',
    );
  }
  return { os, arch: goArch };
}

export function executableName(tool: 'helm' | 'kubectl', platform: ToolPlatform): string {
  return platform.os === 'windows' ? `${tool}.exe` : tool;
}

/** `https://get.helm.sh/` and `https://get.helm.sh` mean the same mirror. */
function joinUrl(mirror: string, path: string): string {
  return `${mirror.replace(/\/+$/, '')}/${path}`;
}

/** `4.1.4` and `v4.1.4` both become `v4.1.4`, the form every file name in both layouts uses. */
export function withV(version: string): string {
  return version.startsWith('v') ? version : `v${version}`;
}

export function helmArchiveName(version: string, platform: ToolPlatform): string {
  const extension = platform.os === 'windows' ? 'zip' : 'tar.gz';
  return `helm-${withV(version)}-${platform.os}-${platform.arch}.${extension}`;
}

export function helmArchiveUrl(mirror: string, version: string, platform: ToolPlatform): string {
  return joinUrl(mirror, helmArchiveName(version, platform));
}

/** get.helm.sh publishes `<archive>.sha256sum` ("<hex>  <name>") next to every archive. */
export function helmChecksumUrl(mirror: string, version: string, platform: ToolPlatform): string {
  return `${helmArchiveUrl(mirror, version, platform)}.sha256sum`;
}

/** The folder inside the helm archive that holds the binary, e.g. `linux-amd64`. */
export function helmArchiveFolder(platform: ToolPlatform): string {
  return `${platform.os}-${platform.arch}`;
}

/** `helm-latest-version` for `latest`; `helm<N>-latest-version` for `<N>.x`. */
export function helmLatestUrl(mirror: string, major?: number): string {
  return joinUrl(mirror, major === undefined ? 'helm-latest-version' : `helm${major}-latest-version`);
}

export function kubectlBinaryUrl(mirror: string, version: string, platform: ToolPlatform): string {
  return joinUrl(mirror, `${withV(version)}/bin/${platform.os}/${platform.arch}/${executableName('kubectl', platform)}`);
}

/** dl.k8s.io publishes `<binary>.sha256` holding the bare hex digest. */
export function kubectlChecksumUrl(mirror: string, version: string, platform: ToolPlatform): string {
  return `${kubectlBinaryUrl(mirror, version, platform)}.sha256`;
}

/** `stable.txt` for `latest`; `stable-<N>.txt` for `<N>.x`. */
export function kubectlStableUrl(mirror: string, major?: number): string {
  return joinUrl(mirror, major === undefined ? 'stable.txt' : `stable-${major}.txt`);
}
