import { createHash } from 'node:crypto';
import yaml from 'js-yaml';
import type { ActionConfig } from '../inputs/config.js';
import { cfsObjects, virtualService, type KubeObject } from '../kube/manifests.js';
import { redact } from '../report/redact.js';
import type { HarborValues } from './generate.js';
import type { Values } from './overrides.js';
import type { ManagedSecret, SecretValueSource } from './secrets.js';

/** Text forms of the values and of the objects deploy creates, as previews show them. */

export function valuesYaml(config: ActionConfig, values: Values): string {
  const header = `# Harbor chart ${config.chart.version} values for release ${config.release} in namespace ${config.namespace}, made by harbor-tke-action\n`;
  return header + yaml.dump(values, { lineWidth: -1, noRefs: true, quotingType: '"' });
}

/** The values with every secret masked, still valid YAML (masked before dumping, not after). */
export function redactValues(values: unknown): Values {
  const scrub = (node: unknown): unknown => {
    if (typeof node === 'string') return redact(node);
    if (Array.isArray(node)) return node.map(scrub);
    if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, scrub(value)]));
    return node;
  };
  return scrub(values) as Values;
}

/** The digest previews compare: the values as written (secrets, if any, already masked). */
export function valuesDigest(valuesText: string): string {
  return `sha256:${createHash('sha256').update(valuesText).digest('hex')}`;
}

function describeSource(source: SecretValueSource): string {
  if (source.from === 'input') return `<from input ${source.input}>`;
  return '<generated on first deploy, then kept>';
}

/** A Secret as deploy creates it, with every value replaced by where it comes from. */
export function redactedSecretManifest(secret: ManagedSecret, namespace: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: secret.name, namespace, labels: { 'app.kubernetes.io/managed-by': 'harbor-tke-action' } },
    type: secret.type,
    stringData: Object.fromEntries(Object.entries(secret.data).map(([key, source]) => [key, describeSource(source)])),
  };
}

export function objectsDeployCreates(config: ActionConfig, harbor: HarborValues): KubeObject[] {
  return [...harbor.secrets.map((secret) => redactedSecretManifest(secret, config.namespace)), ...cfsObjects(config), ...virtualService(config, harbor.values)];
}

export function manifestsYaml(objects: KubeObject[]): string {
  return redact(objects.map((object) => yaml.dump(object, { lineWidth: -1, noRefs: true })).join('---\n'));
}
