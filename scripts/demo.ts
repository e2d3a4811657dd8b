// npm run demo: a local sandbox for harbor-tke-action, then the built action run in it.
//
// Starts the simulated cluster (kube-sim, TLS + bearer token), the chart repository (the published
// Harbor chart), the tool mirror (real helm and kubectl) and, when its Debian packages are
// installed, the Harbor-like registry stack on Ceph radosgw with COS-like listing lag. Then runs
// dist/index.js and dist/post.js through bin/local-run.js, as a runner does, on the inputs files
// in scripts/demo/, and prints the job summaries. Everything started is stopped at the end, on an
// error and on Ctrl-C. Nothing is installed: missing packages are reported with the command.
//
//   npm run demo [-- --no-registry-stack]    (the registry stack is skipped too when its packages are missing)
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startBinaryMirror, startChartRepository } from '../__tests__/support/chart-repo.js';
import { startKubeSim, type KubeSim } from '../__tests__/support/kube-sim/index.js';
import { startS3RegistryStack, type S3RegistryStack } from '../__tests__/support/registry-stack/s3-stack.js';
import { lagFromNextRegistryRequest } from '../__tests__/e2e/registry-lag.js';
import { leakForms } from '../__tests__/support/secret-scan.js';
import { ansiStyle, markdownToTerminal, plainStyle } from './demo/markdown.js';
import { checkPieces, installCommand, REGISTRY_STACK, TOOL_MIRROR } from './demo/packages.js';
import { runStep, type StepResult } from './demo/run-step.js';
import { Interrupted, Sandbox } from './demo/sandbox.js';

const root = resolve(import.meta.dirname, '..');
const style = process.stdout.isTTY ? ansiStyle : plainStyle;
const say = (line = ''): void => console.log(line);
const section = (title: string): void => say(`\n${style.bold(`▶ ${title}`)}`);
/** Long enough for a few upload attempts to be hidden, far inside smoke-test-timeout. */
const LAG_WINDOW_MS = 3000;

interface DemoStep {
  title: string;
  /** Inputs file for bin/local-run.js, relative to the project root. */
  inputsFile: string;
  /** Inputs that differ from the file (bin/local-run.js --set). */
  overrides?: Record<string, string>;
  /** Runs right before the step, e.g. to arm the listing lag. */
  before?: () => void;
  /** A line to print after the step, from what the sandbox saw. */
  after?: () => string | undefined;
}

/** A live edit as `kubectl scale` makes it: only the replicas change, the generation moves on. */
function scaleByHand(sim: KubeSim, namespace: string, name: string, replicas: number): void {
  const deployment = sim.get('apps/v1', 'Deployment', namespace, name);
  if (!deployment) return;
  const spec = deployment.spec as { replicas?: number };
  sim.put({ ...deployment, spec: { ...spec, replicas } });
}

function secret(prefix: string): string {
  return `${prefix}-${randomBytes(9).toString('base64url')}`;
}

async function main(): Promise<number> {
  const started = Date.now();
  const sandbox = new Sandbox();
  sandbox.stopOnSignals((line) => say(`  ${line}`));
  const notes: string[] = [];

  section('Debian packages');
  const [mirrorCheck, stackCheck] = checkPieces([TOOL_MIRROR, REGISTRY_STACK]);
  for (const check of [mirrorCheck!, stackCheck!]) {
    say(`  ${check.missingPackages.length === 0 ? '✓' : '✗'} ${check.piece.name}${check.missingPackages.length === 0 ? '' : `: missing ${check.missingPackages.join(' ')}`}`);
  }
  const missing = [...new Set([...mirrorCheck!.missingPackages, ...stackCheck!.missingPackages])];
  if (missing.length > 0) say(`  Install what is missing with:\n    ${installCommand(missing)}`);
  if (mirrorCheck!.missingPackages.length > 0) {
    say('  The demo cannot run without helm and kubectl from the tool mirror.');
    return 1;
  }
  if (!existsSync(join(root, 'dist', 'index.js')) || !existsSync(join(root, 'dist', 'post.js'))) {
    say('  dist/index.js or dist/post.js is missing: run npm run build first.');
    return 1;
  }
  const stackWanted = !process.argv.includes('--no-registry-stack');
  const withStack = stackWanted && stackCheck!.missingPackages.length === 0;
  if (!withStack) {
    notes.push(`registry stack skipped (${stackWanted ? 'missing Debian packages' : '--no-registry-stack'}): deploy ran with storage-preflight: false and smoke-test: false`);
  }

  const work = mkdtempSync(join(tmpdir(), 'harbor-tke-demo-'));
  sandbox.track(`sandbox directory ${work}`, async () => rmSync(work, { recursive: true, force: true }));
  // Every temporary directory of the servers and the runs goes below it, so that removing it
  // cleans up after a piece interrupted while starting too.
  process.env.TMPDIR = work;
  const results: { step: DemoStep; result: StepResult }[] = [];
  const secretValues: string[] = [];
  try {
    section(`Sandbox${withStack ? ' (the registry stack takes ~20 s: Ceph starts)' : ''}`);
    const secrets = {
      kubeToken: secret('demo-kube-token'),
      // Harbor's password policy: upper case, lower case and a digit.
      adminPassword: `Demo-Admin-1${randomBytes(9).toString('hex')}`,
      databasePassword: secret('demo-db'),
      redisPassword: secret('demo-redis'),
    };
    const startingStack: Promise<S3RegistryStack | undefined> = withStack
      ? sandbox
          .start('registry stack (front, docker-registry, lag proxy, Ceph radosgw)', startS3RegistryStack({ auth: 'token', username: 'admin', password: secrets.adminPassword }), (stack) => stack.stop())
          .catch((error: unknown) => {
            if (error instanceof Interrupted) throw error;
            notes.push(`registry stack failed to start (${error instanceof Error ? error.message.split('\n')[0] : String(error)}): deploy ran without the COS preflight and the smoke test`);
            return undefined;
          })
      : Promise.resolve(undefined);
    const binaries = await sandbox.start('tool mirror', startBinaryMirror(), (mirror) => mirror.close());
    const charts = await sandbox.start('chart repository', startChartRepository(), (repository) => repository.close());
    const sim = await sandbox.start('simulated cluster', startKubeSim({ tls: true, token: secrets.kubeToken }), (cluster) => cluster.close());
    const kubeconfig = readFileSync(sim.writeKubeconfig(join(work, 'kube')), 'utf8');
    say(`  simulated cluster (kube-sim)   ${sim.url}  (TLS, bearer token)`);
    say(`  chart repository               ${charts.url}  (the published Harbor charts 1.11.4 – 1.19.1)`);
    say(`  tool mirror                    ${binaries.url}  (helm 4.1.4 / 3.18.0, kubectl 1.34.5)`);
    const stack = await startingStack;
    if (sandbox.interrupted) throw new Interrupted();
    if (stack) {
      say(`  Harbor-like registry           ${stack.url}  (token auth, /api/v2.0)`);
      say(`  COS stand-in (Ceph radosgw)    ${stack.ceph.endpoint}  (bucket "registry", reached by the registry through the lag proxy ${stack.lag.url})`);
    }

    const cosSecretKey = stack?.ceph.secretKey ?? secret('demo-cos-key');
    secretValues.push(...Object.values(secrets), cosSecretKey);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HOME: join(work, 'home'),
      RUNNER_TOOL_CACHE: join(work, 'tool-cache'),
      DEMO_CHART_REPO: charts.url,
      DEMO_TOOL_MIRROR: binaries.url,
      DEMO_KUBECONFIG: kubeconfig,
      DEMO_EXTERNAL_URL: stack?.url ?? 'https://registry.imroc.cc',
      DEMO_COS_REGION: stack ? 'us-east-1' : 'ap-chengdu',
      DEMO_COS_BUCKET: stack ? 'registry' : 'harbor-1251234566',
      DEMO_COS_ENDPOINT: stack?.ceph.endpoint ?? 'https://cos.ap-chengdu.myqcloud.com',
      DEMO_COS_SECRET_ID: stack?.ceph.accessKey ?? secret('AKIDdemo'),
      DEMO_COS_SECRET_KEY: cosSecretKey,
      DEMO_DATABASE_PASSWORD: secrets.databasePassword,
      DEMO_REDIS_PASSWORD: secrets.redisPassword,
      DEMO_ADMIN_PASSWORD: secrets.adminPassword,
      DEMO_STORAGE_PREFLIGHT: String(stack !== undefined),
      DEMO_SMOKE_TEST: String(stack !== undefined),
    };
    mkdirSync(env.HOME!, { recursive: true });

    let hiddenBefore = 0;
    // Add a mode here (with its inputs file in scripts/demo/) and the demo runs it and prints its summary.
    const steps: DemoStep[] = [
      { title: 'mode: render (values, chart manifests, objects deploy would create; no cluster)', inputsFile: 'scripts/demo/render.yml' },
      {
        title: stack
          ? `mode: deploy (COS preflight on radosgw, install on kube-sim, smoke test through a ${LAG_WINDOW_MS / 1000} s COS-like listing lag)`
          : 'mode: deploy (install on kube-sim; storage-preflight and smoke-test off: no registry stack)',
        inputsFile: 'scripts/demo/deploy.yml',
        before: () => {
          if (!stack) return;
          hiddenBefore = stack.lag.hiddenAnswers;
          lagFromNextRegistryRequest(stack, LAG_WINDOW_MS);
        },
        after: () =>
          stack && `  COS-like lag: ${stack.lag.hiddenAnswers - hiddenBefore} bucket listings/HEADs answered without a just-written upload, so the registry failed those commits with 500 and the smoke test retried them.`,
      },
      {
        title: 'mode: diff (read-only drift check, after a hand edit: portal scaled to 3 replicas)',
        inputsFile: 'scripts/demo/deploy.yml',
        overrides: { mode: 'diff' },
        // What a scheduled drift check exists for: someone changed the cluster by hand.
        before: () => scaleByHand(sim, 'registry', 'registry-harbor-portal', 3),
      },
    ];
    say(`\n  The action runs on Node ${process.version} (${process.execPath}), through bin/local-run.js.`);
    for (const step of steps) {
      if (sandbox.interrupted) break;
      const sets = Object.entries(step.overrides ?? {}).map(([name, value]) => ` --set ${name}=${value}`).join('');
      section(`${step.title}   [inputs: ${step.inputsFile}${sets}]`);
      step.before?.();
      const result = await runStep(sandbox, root, step.inputsFile, env, step.overrides);
      results.push({ step, result });
      const afterLine = sandbox.interrupted ? undefined : step.after?.();
      if (afterLine) say(afterLine);
    }
  } catch (error) {
    if (!(error instanceof Interrupted)) say(`\n  The sandbox failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    if (!sandbox.interrupted) {
      section('Stopping the sandbox');
      await sandbox.stopAll((line) => say(`  ${line}`));
    }
  }

  if (sandbox.interrupted) return new Promise<number>(() => undefined); // the signal handler exits once all is stopped
  for (const { step, result } of results) {
    section(`Job summary: ${step.title.split(' (')[0]} (exit code ${result.exitCode}, ${result.seconds.toFixed(1)} s)`);
    say(markdownToTerminal(result.summary || '(empty)', style, '  '));
  }
  section('Result');
  for (const { step, result } of results) say(`  ${result.exitCode === 0 ? '✓' : '✗'} ${step.title.split(' (')[0]}: exit code ${result.exitCode} in ${result.seconds.toFixed(1)} s`);
  const leaked = secretValues.filter((value) => results.some(({ result }) => leakForms(value).some((form) => result.log.includes(form))));
  say(leaked.length === 0 ? `  ✓ none of the ${secretValues.length} secret values (nor their base64 or URL forms) appears in the logs or summaries` : `  ✗ ${leaked.length} secret value(s) appear in the logs or summaries`);
  for (const note of notes) say(`  ! ${note}`);
  say(`  Total ${((Date.now() - started) / 1000).toFixed(1)} s; every server and process the demo started is stopped.`);
  return results.length > 0 && leaked.length === 0 && results.every(({ result }) => result.exitCode === 0) ? 0 : 1;
}

process.exit(await main());
