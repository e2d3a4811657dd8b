import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { projectRoot } from '../support/run-action.js';

/** A Node.js binary the bundle is run with, as a runner would run it. */
export interface NodeRuntime {
  path: string;
  /** `node --version`, e.g. v24.21.0 */
  version: string;
  major: number;
}

function describeBinary(path: string): NodeRuntime {
  const version = execFileSync(path, ['--version'], { encoding: 'utf8' }).trim();
  return { path, version, major: Number(/^v(\d+)\./.exec(version)?.[1] ?? NaN) };
}

/**
 * The Node 24 that `npm test` installs into .local/node24 from npm's `node` package (what
 * `runs.using: node24` means on a GitHub runner). Fails with the fix when it is not installed
 * rather than letting the suite test one runtime only.
 */
export function packagedNode(): NodeRuntime {
  const path = join(projectRoot, '.local', 'node24', 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(path)) throw new Error(`Node 24 binary missing at ${path}: run npm test (scripts/prepare-test-machine.js installs it)`);
  return describeBinary(path);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A host Node.js of the given major (the machine's own, on PATH). */
export function hostNode(major: number): NodeRuntime {
  const candidates = [
    process.env.npm_node_execpath,
    process.execPath,
    ...(process.env.PATH ?? '').split(delimiter).filter((dir) => dir && !dir.includes('node_modules')).map((dir) => join(dir, 'node')),
  ].filter((path): path is string => path !== undefined && isExecutable(path));
  const seen = new Set<string>();
  for (const candidate of candidates) {
    const real = realpathSync(candidate);
    if (seen.has(real)) continue;
    seen.add(real);
    const runtime = describeBinary(real);
    if (runtime.major === major) return runtime;
  }
  throw new Error(`no Node.js ${major} found (looked at ${[...seen].join(', ') || 'nothing'}): install Node.js ${major} on PATH`);
}
