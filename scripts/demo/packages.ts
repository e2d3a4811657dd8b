import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Which Debian packages the sandbox's pieces need, with the semantics of
 * scripts/test-machine-packages.txt: a package counts as installed when its command is on PATH.
 * The demo reports what is missing with the command that installs it; it never installs.
 */
export interface SandboxPiece {
  name: string;
  commands: string[];
}

export const TOOL_MIRROR: SandboxPiece = { name: 'tool mirror and chart repository (real helm and kubectl)', commands: ['unzip', 'tar', 'gzip'] };
export const REGISTRY_STACK: SandboxPiece = {
  name: 'Harbor-like registry stack on Ceph radosgw with COS-like listing lag',
  commands: ['docker-registry', 'openssl', 'ceph-mon', 'ceph-osd', 'radosgw', 'ceph', 'monmaptool'],
};

export interface PieceCheck {
  piece: SandboxPiece;
  missingPackages: string[];
}

function packageOfCommand(): Map<string, string> {
  const list = readFileSync(new URL('../test-machine-packages.txt', import.meta.url), 'utf8');
  const packages = new Map<string, string>();
  for (const line of list.split('\n').map((entry) => entry.trim())) {
    if (!line || line.startsWith('#')) continue;
    const [command, pkg] = line.split(/\s+/);
    if (command && pkg) packages.set(command, pkg);
  }
  return packages;
}

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

export function checkPieces(pieces: SandboxPiece[]): PieceCheck[] {
  const packages = packageOfCommand();
  return pieces.map((piece) => ({
    piece,
    missingPackages: [...new Set(piece.commands.filter((command) => !onPath(command)).map((command) => packages.get(command) ?? command))],
  }));
}

export function installCommand(packages: string[]): string {
  const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
  return `${sudo}apt-get update && ${sudo}apt-get install -y --no-install-recommends ${packages.join(' ')}`;
}
