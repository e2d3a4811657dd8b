import { describe, expect, it } from 'vitest';
import {
  SUPPORTED_PLATFORMS,
  detectPlatform,
  helmArchiveFolder,
  helmArchiveUrl,
  helmChecksumUrl,
  helmLatestUrl,
  kubectlBinaryUrl,
  kubectlChecksumUrl,
  kubectlStableUrl,
} from '../../src/tools/platform.js';
import { DEFAULT_HELM_MIRROR, DEFAULT_KUBECTL_MIRROR } from '../../src/tools/install.js';

// The real binaries only exist for linux/amd64 here, so the other five platforms are covered by
// the URLs they would download: these are the file names get.helm.sh and dl.k8s.io publish.
describe('download URLs for every platform the official releases cover', () => {
  const expected = {
    'linux/amd64': ['helm-v4.1.4-linux-amd64.tar.gz', 'v1.34.5/bin/linux/amd64/kubectl'],
    'linux/arm64': ['helm-v4.1.4-linux-arm64.tar.gz', 'v1.34.5/bin/linux/arm64/kubectl'],
    'darwin/amd64': ['helm-v4.1.4-darwin-amd64.tar.gz', 'v1.34.5/bin/darwin/amd64/kubectl'],
    'darwin/arm64': ['helm-v4.1.4-darwin-arm64.tar.gz', 'v1.34.5/bin/darwin/arm64/kubectl'],
    'windows/amd64': ['helm-v4.1.4-windows-amd64.zip', 'v1.34.5/bin/windows/amd64/kubectl.exe'],
    'windows/arm64': ['helm-v4.1.4-windows-arm64.zip', 'v1.34.5/bin/windows/arm64/kubectl.exe'],
  } as const;

  it('covers exactly linux, darwin and windows on amd64 and arm64', () => {
    expect(SUPPORTED_PLATFORMS.map((p) => `${p.os}/${p.arch}`).sort()).toEqual(Object.keys(expected).sort());
  });

  for (const platform of SUPPORTED_PLATFORMS) {
    const [helmFile, kubectlPath] = expected[`${platform.os}/${platform.arch}`];
    it(`${platform.os}/${platform.arch}`, () => {
      expect(helmArchiveUrl(DEFAULT_HELM_MIRROR, 'v4.1.4', platform)).toBe(`https://get.helm.sh/${helmFile}`);
      expect(helmChecksumUrl(DEFAULT_HELM_MIRROR, '4.1.4', platform)).toBe(`https://get.helm.sh/${helmFile}.sha256sum`);
      expect(helmArchiveFolder(platform)).toBe(`${platform.os}-${platform.arch}`);
      expect(kubectlBinaryUrl(DEFAULT_KUBECTL_MIRROR, '1.34.5', platform)).toBe(`https://dl.k8s.io/release/${kubectlPath}`);
      expect(kubectlChecksumUrl(DEFAULT_KUBECTL_MIRROR, 'v1.34.5', platform)).toBe(`https://dl.k8s.io/release/${kubectlPath}.sha256`);
    });
  }

  it('a mirror given with a trailing slash or a sub-path composes the same file names', () => {
    const linux = { os: 'linux', arch: 'amd64' } as const;
    expect(helmArchiveUrl('https://mirror.example.cn/helm/', 'v3.18.0', linux)).toBe('https://mirror.example.cn/helm/helm-v3.18.0-linux-amd64.tar.gz');
    expect(kubectlBinaryUrl('https://mirror.example.cn/k8s//', 'v1.34.5', linux)).toBe('https://mirror.example.cn/k8s/v1.34.5/bin/linux/amd64/kubectl');
  });

  it('pointer files for latest and for a major line', () => {
    expect(helmLatestUrl(DEFAULT_HELM_MIRROR)).toBe('https://get.helm.sh/helm-latest-version');
    expect(helmLatestUrl(DEFAULT_HELM_MIRROR, 3)).toBe('https://get.helm.sh/helm3-latest-version');
    expect(kubectlStableUrl(DEFAULT_KUBECTL_MIRROR)).toBe('https://dl.k8s.io/release/stable.txt');
    expect(kubectlStableUrl(DEFAULT_KUBECTL_MIRROR, 1)).toBe('https://dl.k8s.io/release/stable-1.txt');
  });
});

describe('the runner platform', () => {
  it('maps Node names to the release names', () => {
    expect(detectPlatform('linux', 'x64')).toEqual({ os: 'linux', arch: 'amd64' });
    expect(detectPlatform('darwin', 'arm64')).toEqual({ os: 'darwin', arch: 'arm64' });
    expect(detectPlatform('win32', 'x64')).toEqual({ os: 'windows', arch: 'amd64' });
  });

  it('refuses a platform with no official build, saying which one it is', () => {
    expect(() => detectPlatform('linux', 'ppc64')).toThrow(/this runner is linux\/ppc64/);
    expect(() => detectPlatform('freebsd', 'x64')).toThrow(/this runner is freebsd\/x64/);
  });
});
