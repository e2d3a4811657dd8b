// Makes a fresh machine ready for the tests: installs the Debian packages they need when their
// commands are missing (as root), or stops with the exact command to run (not root).
// Tests never skip for a missing dependency: this is where a missing one is caught.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const listFile = new URL('./test-machine-packages.txt', import.meta.url);
const wanted = readFileSync(listFile, 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'))
  .map((line) => {
    const [command, pkg] = line.split(/\s+/);
    return { command, pkg };
  });

const onPath = (command) =>
  command.startsWith('/') ? spawnSync('test', ['-x', command]).status === 0 : spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
const missing = [...new Set(wanted.filter(({ command }) => !onPath(command)).map(({ pkg }) => pkg))];

// The bundle is also tested under Node 24 (the runtime action.yml names). npm's `node` package ships
// it; it is kept out of devDependencies because its `node` bin would put every npm script on Node 24.
const node24 = new URL('../.local/node24/node_modules/node/bin/node', import.meta.url).pathname;
if (!onPath(node24)) {
  console.log('Installing Node.js 24 for the bundle tests into .local/node24 (npm package node@24.21.0)');
  execFileSync('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--prefix', new URL('../.local/node24', import.meta.url).pathname, 'node@24.21.0'], { stdio: 'inherit' });
}

if (missing.length === 0) process.exit(0);

const install = ['apt-get', 'install', '-y', '--no-install-recommends', ...missing];
if (process.getuid?.() !== 0) {
  console.error(`The tests need these Debian packages: ${missing.join(' ')}\nInstall them with:\n  sudo apt-get update && sudo ${install.join(' ')}`);
  process.exit(1);
}
console.log(`Installing Debian packages the tests need: ${missing.join(' ')}`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
execFileSync(install[0], install.slice(1), { stdio: 'inherit', env });
const stillMissing = wanted.filter(({ command }) => !onPath(command));
if (stillMissing.length > 0) {
  console.error(`Still missing after install: ${stillMissing.map((w) => w.command).join(', ')}`);
  process.exit(1);
}
