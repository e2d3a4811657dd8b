/**
 * A cluster's certificate authority, as TKE keeps one per cluster to issue each CAM sub-account
 * its own kube-apiserver client certificate (DescribeClusterKubeconfig). Made with the openssl CLI
 * (EC P-256: fast, and accepted by kubectl and helm).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ClientCredential {
  certPem: string;
  keyPem: string;
}

export interface ClusterCa {
  certPem: string;
  /** The client certificate of a sub-account (CN = its UIN), made once per UIN. */
  clientCredential(uin: string): ClientCredential;
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'pipe' });
}

export function createClusterCa(name: string): ClusterCa {
  const dir = mkdtempSync(join(tmpdir(), 'tke-cluster-ca-'));
  try {
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', `/CN=${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.pem')]);
    const caKey = readFileSync(join(dir, 'ca.key'), 'utf8');
    const certPem = readFileSync(join(dir, 'ca.pem'), 'utf8');
    const issued = new Map<string, ClientCredential>();
    return {
      certPem,
      clientCredential(uin) {
        const known = issued.get(uin);
        if (known) return known;
        const work = mkdtempSync(join(tmpdir(), 'tke-client-cert-'));
        try {
          writeFileSync(join(work, 'ca.key'), caKey, { mode: 0o600 });
          writeFileSync(join(work, 'ca.pem'), certPem);
          writeFileSync(join(work, 'ext.cnf'), 'keyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
          openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${uin}`, '-keyout', join(work, 'user.key'), '-out', join(work, 'user.csr')]);
          openssl(['x509', '-req', '-in', join(work, 'user.csr'), '-CA', join(work, 'ca.pem'), '-CAkey', join(work, 'ca.key'), '-set_serial', String(Date.now()), '-days', '2',
            '-extfile', join(work, 'ext.cnf'), '-out', join(work, 'user.pem')]);
          const credential = { certPem: readFileSync(join(work, 'user.pem'), 'utf8'), keyPem: readFileSync(join(work, 'user.key'), 'utf8') };
          issued.set(uin, credential);
          return credential;
        } finally {
          rmSync(work, { recursive: true, force: true });
        }
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
