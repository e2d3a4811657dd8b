/**
 * Runs a kube-sim until interrupted, for poking at it by hand:
 *   npx tsx __tests__/support/kube-sim/cli.ts [--tls] [--token TOKEN] [--dir DIR] [--ready-delay MS]
 * Prints the kubeconfig path to use with KUBECONFIG.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startKubeSim } from './index.js';

const { values } = parseArgs({
  options: {
    tls: { type: 'boolean', default: false },
    token: { type: 'string' },
    dir: { type: 'string' },
    'ready-delay': { type: 'string' },
  },
});

const sim = await startKubeSim({ tls: values.tls, token: values.token, podReadyDelayMs: values['ready-delay'] ? Number(values['ready-delay']) : undefined });
const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'kube-sim-'));
const kubeconfig = sim.writeKubeconfig(dir);
process.stdout.write(`kube-sim listening on ${sim.url}\nexport KUBECONFIG=${kubeconfig}\n`);
const stop = () => {
  void sim.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
