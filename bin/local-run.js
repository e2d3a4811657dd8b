#!/usr/bin/env node
// Runs the action on this machine the way a GitHub runner does: the built dist/index.js, then
// dist/post.js, with INPUT_ variables from a YAML file of inputs (keys are the input names, as
// under `with:`), and the runner's files (GITHUB_OUTPUT, GITHUB_STATE, GITHUB_STEP_SUMMARY,
// RUNNER_TEMP, RUNNER_TOOL_CACHE). Prints the log, the outputs and the job summary.
//
//   npm start -- examples/inputs/render-seed.yml [--workspace DIR] [--set NAME=VALUE]... [--keep]
//
// `--set NAME=VALUE` overrides one input of the file, e.g. the same inputs in another mode:
// npm start -- deploy.yml --set mode=diff
//
// `${NAME}` in an input value is replaced by the environment variable NAME, so secrets can stay
// out of the file: cos-secret-key: ${COS_SECRET_KEY}
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function usage(message) {
  if (message) console.error(`local-run: ${message}`);
  console.error('usage: npm start -- <inputs.yml> [--workspace DIR] [--set NAME=VALUE]... [--keep]');
  process.exit(2);
}

let inputsFile;
let workspace = process.cwd();
let keep = false;
const overrides = {};
for (const args = process.argv.slice(2); args.length > 0; ) {
  const arg = args.shift();
  if (arg === '--keep') keep = true;
  else if (arg === '--workspace') workspace = args.shift() ?? usage('--workspace needs a directory');
  else if (arg === '--set') {
    const assignment = args.shift() ?? usage('--set needs NAME=VALUE');
    const equals = assignment.indexOf('=');
    if (equals <= 0) usage(`--set ${assignment}: expected NAME=VALUE, e.g. --set mode=diff`);
    overrides[assignment.slice(0, equals)] = assignment.slice(equals + 1);
  } else if (arg.startsWith('--')) usage(`unknown option ${arg}`);
  else if (inputsFile === undefined) inputsFile = arg;
  else usage(`one inputs file only (got ${inputsFile} and ${arg})`);
}
if (!inputsFile) usage('no inputs file given');
workspace = resolve(workspace);

const action = yaml.load(readFileSync(join(root, 'action.yml'), 'utf8'));
const declared = action.inputs;
const fromFile = yaml.load(readFileSync(resolve(inputsFile), 'utf8')) ?? {};
if (typeof fromFile !== 'object' || Array.isArray(fromFile)) usage(`${inputsFile} must be a YAML mapping of input names to values`);
for (const [where, names] of [
  [inputsFile, Object.keys(fromFile)],
  ['--set', Object.keys(overrides)],
]) {
  const unknown = names.filter((name) => !(name in declared));
  if (unknown.length > 0) usage(`unknown input(s) in ${where}: ${unknown.join(', ')}. Declared inputs are listed in action.yml.`);
}
const given = { ...fromFile, ...overrides };

function expandEnv(value) {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name) => {
    if (process.env[name] === undefined) usage(`${inputsFile} uses \${${name}}, which is not set in the environment`);
    return process.env[name];
  });
}

// What the runner sets: every declared input, with its default when the workflow omits it.
const runner = mkdtempSync(join(tmpdir(), 'harbor-tke-local-'));
const files = {
  GITHUB_OUTPUT: join(runner, 'output'),
  GITHUB_STATE: join(runner, 'state'),
  GITHUB_STEP_SUMMARY: join(runner, 'summary.md'),
  GITHUB_ENV: join(runner, 'env'),
  GITHUB_PATH: join(runner, 'path'),
};
for (const file of Object.values(files)) writeFileSync(file, '');
const runnerTemp = join(runner, 'temp');
mkdirSync(runnerTemp);
const toolCache = process.env.RUNNER_TOOL_CACHE || join(homedir(), '.cache', 'harbor-tke-action', 'tool-cache');
mkdirSync(toolCache, { recursive: true });

const env = { ...process.env, ...files, RUNNER_TEMP: runnerTemp, RUNNER_TOOL_CACHE: toolCache, GITHUB_WORKSPACE: workspace, GITHUB_ACTIONS: 'true', CI: 'true' };
for (const [name, definition] of Object.entries(declared)) {
  const value = name in given ? expandEnv(String(given[name] ?? '')) : definition.default ?? '';
  env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
}

// Workflow commands become readable lines; ::add-mask:: values are hidden as the runner hides them.
const masks = [];
function present(line) {
  const command = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(line);
  let text = line;
  if (command) {
    const [, name, properties, rawMessage] = command;
    const message = rawMessage.replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%');
    if (name === 'add-mask') {
      if (message) masks.push(message);
      return undefined;
    }
    if (name === 'group') text = `▸ ${message}`;
    else if (name === 'endgroup') return undefined;
    else if (name === 'debug') return process.env.RUNNER_DEBUG ? `debug: ${message}` : undefined;
    else if (['warning', 'error', 'notice'].includes(name)) {
      const title = /title=([^,]*)/.exec(properties ?? '')?.[1];
      text = `${name}${title ? ` (${title})` : ''}: ${message}`;
    } else if (['save-state', 'set-output'].includes(name)) return undefined;
  }
  for (const mask of [...masks].sort((a, b) => b.length - a.length)) text = text.split(mask).join('***');
  return text;
}

function run(script, extraEnv) {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [join(root, 'dist', script)], { env: { ...env, ...extraEnv }, cwd: workspace, stdio: ['ignore', 'pipe', 'pipe'] });
    const pipe = (stream, sink) => {
      let buffered = '';
      stream.on('data', (chunk) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop();
        for (const line of lines) {
          const shown = present(line);
          if (shown !== undefined) sink.write(`${shown}\n`);
        }
      });
      stream.on('end', () => {
        const shown = buffered ? present(buffered) : undefined;
        if (shown !== undefined) sink.write(`${shown}\n`);
      });
    };
    pipe(child.stdout, process.stdout);
    pipe(child.stderr, process.stderr);
    child.on('close', (code) => resolvePromise(code ?? 1));
  });
}

// The runner's key<<delimiter file format for outputs and state.
function readKeyValueFile(file) {
  const result = {};
  const lines = readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i]);
    if (heredoc) {
      const [, key, delimiter] = heredoc;
      const body = [];
      while (++i < lines.length && lines[i] !== delimiter) body.push(lines[i]);
      result[key] = body.join('\n');
    } else if (lines[i].includes('=')) {
      const at = lines[i].indexOf('=');
      result[lines[i].slice(0, at)] = lines[i].slice(at + 1);
    }
  }
  return result;
}

if (!existsSync(join(root, 'dist', 'index.js'))) usage('dist/index.js is missing: run npm run build');
console.log(`── harbor-tke-action (main) with ${inputsFile}`);
const mainExit = await run('index.js', {});
const state = Object.fromEntries(Object.entries(readKeyValueFile(files.GITHUB_STATE)).map(([key, value]) => [`STATE_${key}`, value]));
console.log('── harbor-tke-action (post)');
await run('post.js', state);

const outputs = readKeyValueFile(files.GITHUB_OUTPUT);
console.log('── outputs');
for (const [key, value] of Object.entries(outputs)) console.log(`${key}: ${present(value)}`);
console.log('── job summary');
console.log(present(readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8')) || '(empty)');
console.log(`── exit code ${mainExit}${keep ? `; runner files kept in ${runner}` : ''}`);
if (!keep) rmSync(runner, { recursive: true, force: true });
process.exit(mainExit);
