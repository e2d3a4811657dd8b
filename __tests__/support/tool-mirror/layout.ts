import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { BINARY_VERSIONS, realBinaries } from '../binaries.js';

/**
 * The real helm 4.1.4, helm 3.18.0 and kubectl 1.34.5 (from the npm packages behind
 * realBinaries()) laid out as get.helm.sh and dl.k8s.io publish them, so the installer is tested
 * against the real file names, archive structure and checksum formats:
 *
 *   helm-v4.1.4-linux-amd64.tar.gz            (linux-amd64/helm, LICENSE, README.md)
 *   helm-v4.1.4-linux-amd64.tar.gz.sha256sum  ("<hex>  helm-v4.1.4-linux-amd64.tar.gz")
 *   helm-latest-version, helm4-latest-version, helm3-latest-version
 *   v1.34.5/bin/linux/amd64/kubectl           (+ .sha256 with the bare hex)
 *   stable.txt, stable-1.txt
 *
 * Repacking 120 MB takes seconds, so the tree is built once per machine in a folder keyed by the
 * binaries' content (their folders are named after the npm zips' digests) and shared by every
 * test file and the benchmark.
 */
export interface MirrorLayout {
  root: string;
  helm4: { version: string; archive: string; sha256: string };
  helm3: { version: string; archive: string; sha256: string };
  kubectl: { version: string; path: string; sha256: string };
}

/** Bump when the layout built here changes, so stale trees on a machine are not reused. */
const LAYOUT_REVISION = 1;

export function mirrorLayout(): MirrorLayout {
  const binaries = realBinaries();
  const contentKey = createHash('sha256')
    .update([`revision ${LAYOUT_REVISION}`, ...[binaries.helm4, binaries.helm3, binaries.kubectl].map((path) => basename(dirname(dirname(path))))].join('|'))
    .digest('hex')
    .slice(0, 16);
  const root = join(tmpdir(), 'harbor-tke-action-tool-mirror', contentKey);
  const helm4 = `v${BINARY_VERSIONS.helm4}`;
  const helm3 = `v${BINARY_VERSIONS.helm3}`;
  const kubectl = `v${BINARY_VERSIONS.kubectl}`;
  const helmArchive = (version: string): string => `helm-${version}-linux-amd64.tar.gz`;
  const kubectlPath = `${kubectl}/bin/linux/amd64/kubectl`;

  if (!existsSync(join(root, 'complete'))) {
    const scratch = `${root}.partial-${process.pid}`;
    rmSync(scratch, { recursive: true, force: true });
    mkdirSync(scratch, { recursive: true });
    packHelm(binaries.helm4, join(scratch, helmArchive(helm4)));
    packHelm(binaries.helm3, join(scratch, helmArchive(helm3)));
    const kubectlFile = join(scratch, kubectlPath);
    mkdirSync(dirname(kubectlFile), { recursive: true });
    try {
      linkSync(binaries.kubectl, kubectlFile);
    } catch {
      copyFileSync(binaries.kubectl, kubectlFile);
    }
    writeFileSync(`${kubectlFile}.sha256`, fileSha256(kubectlFile));
    writeFileSync(join(scratch, 'helm-latest-version'), `${helm4}\n`);
    writeFileSync(join(scratch, 'helm4-latest-version'), `${helm4}\n`);
    writeFileSync(join(scratch, 'helm3-latest-version'), `${helm3}\n`);
    writeFileSync(join(scratch, 'stable.txt'), kubectl);
    writeFileSync(join(scratch, 'stable-1.txt'), kubectl);
    writeFileSync(join(scratch, 'complete'), '');
    try {
      renameSync(scratch, root);
    } catch {
      // Another worker finished first: its tree is identical.
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  const digestOf = (file: string): string => readFileSync(join(root, file), 'utf8').trim().split(/\s+/)[0]!;
  return {
    root,
    helm4: { version: helm4, archive: helmArchive(helm4), sha256: digestOf(`${helmArchive(helm4)}.sha256sum`) },
    helm3: { version: helm3, archive: helmArchive(helm3), sha256: digestOf(`${helmArchive(helm3)}.sha256sum`) },
    kubectl: { version: kubectl, path: kubectlPath, sha256: digestOf(`${kubectlPath}.sha256`) },
  };
}

function packHelm(binary: string, archive: string): void {
  const staging = `${archive}.staging`;
  const folder = join(staging, 'linux-amd64');
  mkdirSync(folder, { recursive: true });
  copyFileSync(binary, join(folder, 'helm'));
  writeFileSync(join(folder, 'LICENSE'), 'Apache License 2.0 (test copy: the real helm binary repacked by the test suite)\n');
  writeFileSync(join(folder, 'README.md'), '# helm\n');
  execFileSync('tar', ['-czf', archive, '--owner=0', '--group=0', '--sort=name', '-C', staging, 'linux-amd64']);
  rmSync(staging, { recursive: true, force: true });
  writeFileSync(`${archive}.sha256sum`, `${fileSha256(archive)}  ${basename(archive)}\n`);
}

function fileSha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}
