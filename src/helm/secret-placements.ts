import { loadAll } from 'js-yaml';
import { goQueryEscape } from '../report/redact.js';
import type { ManagedSecret } from '../values/secrets.js';

/** A value kept in a Secret, and the forms in which a chart may write it elsewhere. */
export interface SecretValue {
  secret: string;
  key: string;
  /** The text to look for: the value itself, its URL-escaped form, or render mode's marker. */
  forms: string[];
}

/** Where a rendered chart put a Secret's value: e.g. ConfigMap registry-harbor-core, key _REDIS_URL_CORE. */
export interface SecretPlacement {
  kind: string;
  name: string;
  /** The data key (ConfigMap, Secret) or the dotted field path (anything else). */
  field: string;
  secret: string;
  key: string;
}

type Node = Record<string, unknown>;

/**
 * Finds every place a rendered chart copied one of the given Secret values to. The Harbor charts
 * read the Redis Secret with `lookup` and write the password into ConfigMaps (core, jobservice,
 * registry): anyone who may read ConfigMaps there may read it, and reports must hide those keys.
 */
export function secretPlacements(manifests: string, values: SecretValue[]): SecretPlacement[] {
  const placements: SecretPlacement[] = [];
  const wanted = values.map((value) => ({ ...value, forms: value.forms.filter((form) => form.length >= 4) })).filter((value) => value.forms.length > 0);
  if (wanted.length === 0) return placements;
  const check = (kind: string, name: string, field: string, text: string) => {
    for (const value of wanted) {
      if (kind === 'Secret' && name === value.secret) continue;
      if (value.forms.some((form) => text.includes(form))) placements.push({ kind, name, field, secret: value.secret, key: value.key });
    }
  };
  loadAll(manifests, (document) => {
    if (!document || typeof document !== 'object') return;
    const object = document as Node & { kind?: string; metadata?: { name?: string } };
    const kind = object.kind ?? '';
    const name = object.metadata?.name ?? '';
    if (kind === 'ConfigMap' || kind === 'Secret') {
      for (const [field, raw] of Object.entries((object.data ?? {}) as Record<string, unknown>)) {
        if (typeof raw !== 'string') continue;
        check(kind, name, field, kind === 'Secret' ? Buffer.from(raw, 'base64').toString('utf8') : raw);
      }
      for (const [field, raw] of Object.entries((object.stringData ?? {}) as Record<string, unknown>)) if (typeof raw === 'string') check(kind, name, field, raw);
      return;
    }
    walk(object, '', (path, text) => check(kind, name, path, text));
  });
  return placements;
}

function walk(node: unknown, path: string, visit: (path: string, text: string) => void): void {
  if (typeof node === 'string') visit(path, node);
  else if (Array.isArray(node)) node.forEach((item, index) => walk(item, `${path}[${index}]`, visit));
  else if (node && typeof node === 'object') for (const [key, value] of Object.entries(node)) walk(value, path ? `${path}.${key}` : key, visit);
}

/** The values the action was given for its Secrets, in the forms the charts write them (as is, or URL-escaped by `urlquery`). */
export function inputSecretValues(secrets: ManagedSecret[]): SecretValue[] {
  return secrets.flatMap((secret) =>
    Object.entries(secret.data).flatMap(([key, source]) => {
      if (source.from !== 'input' || !source.value) return [];
      const escaped = goQueryEscape(source.value);
      return [{ secret: secret.name, key, forms: [...new Set([source.value, escaped, escaped.replace(/\+/g, '%20')])] }];
    }),
  );
}
