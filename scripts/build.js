// Bundles the action's two entry points (main and post) into dist/ with ncc.
// ncc compiles one entry per run, so each is built into a scratch folder and moved into place,
// with the chunks ncc splits off for dynamic imports (<id>.index.js, loaded from beside the entry).
// ncc type-checks what tsconfig.json covers (src/); `npm run typecheck` also covers the tests.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, mkdirSync, copyFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const entries = [
  { source: 'src/main.ts', target: 'index.js' },
  { source: 'src/post.ts', target: 'post.js' },
];
const ncc = join('node_modules', '.bin', 'ncc');

rmSync('dist', { recursive: true, force: true });
mkdirSync('dist');
for (const { source, target } of entries) {
  const scratch = mkdtempSync(join(tmpdir(), 'ncc-'));
  execFileSync(ncc, ['build', source, '-o', scratch, '--license', 'licenses.txt', '--quiet'], { stdio: 'inherit' });
  renameSync(join(scratch, 'index.js'), join('dist', target));
  for (const chunk of readdirSync(scratch).filter((file) => /^\d+\.index\.js$/.test(file))) {
    if (existsSync(join('dist', chunk))) throw new Error(`${source}: chunk ${chunk} would overwrite another entry's chunk`);
    renameSync(join(scratch, chunk), join('dist', chunk));
  }
  if (!existsSync(join('dist', 'licenses.txt'))) copyFileSync(join(scratch, 'licenses.txt'), join('dist', 'licenses.txt'));
  rmSync(scratch, { recursive: true, force: true });
}
console.log(`dist/: ${readdirSync('dist').filter((file) => file.endsWith('.js')).join(', ')}`);
