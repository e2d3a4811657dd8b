import { redact } from '../report/redact.js';

/**
 * Comparing what is declared with what is there. "Declared" wins the vocabulary: a difference is a
 * path whose declared value the live side does not have. Fields the live side adds (status,
 * defaults, managedFields) are not differences, exactly as an apply would leave them alone.
 */
export interface FieldDifference {
  /** Dotted path, list items by name where they have one: spec.template.spec.containers[core].env[MODE].value */
  path: string;
  declared?: unknown;
  live?: unknown;
  /** Either side holds a secret: values are never shown. */
  secret: boolean;
}

type Tree = Record<string, unknown>;

function isMap(value: unknown): value is Tree {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Lists whose items carry a name are matched by name (containers, env, ports, volumes), as kubectl does. */
function itemKey(item: unknown, index: number): string {
  if (isMap(item)) {
    for (const key of ['name', 'mountPath', 'containerPort', 'port', 'type']) {
      if (typeof item[key] === 'string' || typeof item[key] === 'number') return String(item[key]);
    }
  }
  return String(index);
}

/** Fields named like credentials: an old value is no registered secret, so the name decides. */
const SECRET_FIELD = /(password|passwd|secret|token|accesskey|secretkey|htpasswd|\.key)$/i;

function holdsSecret(value: unknown): boolean {
  return typeof value === 'string' && redact(value) !== value;
}

export function isSecretPath(path: string): boolean {
  return SECRET_FIELD.test(path) || /^(data|stringData)\./.test(path);
}

/** Numbers and numeric strings compare equal ("5432" in a manifest, 5432 from the API). */
function sameScalar(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if ((typeof a === 'number' || typeof a === 'string') && (typeof b === 'number' || typeof b === 'string')) return String(a) === String(b);
  return false;
}

/** Differences where `live` lacks or changes something `declared` states. */
export function declaredDifferences(declared: unknown, live: unknown, path = '', ignored: ReadonlySet<string> = new Set()): FieldDifference[] {
  if (ignored.has(path)) return [];
  if (isMap(declared)) {
    if (!isMap(live)) return [{ path: path || '(object)', declared: '(map)', live: live === undefined ? undefined : '(not a map)', secret: false }];
    return Object.entries(declared).flatMap(([key, value]) => declaredDifferences(value, live[key], path ? `${path}.${key}` : key, ignored));
  }
  if (Array.isArray(declared)) {
    if (!Array.isArray(live)) return [{ path, declared: `(list of ${declared.length})`, live: live === undefined ? undefined : '(not a list)', secret: false }];
    const liveByKey = new Map(live.map((item, index) => [itemKey(item, index), item]));
    return declared.flatMap((item, index) => {
      const key = itemKey(item, index);
      return declaredDifferences(item, liveByKey.get(key), `${path}[${key}]`, ignored);
    });
  }
  if (declared === null || declared === undefined) return [];
  if (sameScalar(declared, live)) return [];
  return [{ path, declared, live, secret: isSecretPath(path) || holdsSecret(declared) || holdsSecret(live) }];
}

/** Every leaf path of a tree, list items by their key. */
export function leafPathsByKey(tree: unknown, path = ''): Map<string, unknown> {
  const found = new Map<string, unknown>();
  const walk = (node: unknown, at: string) => {
    if (isMap(node)) for (const [key, value] of Object.entries(node)) walk(value, at ? `${at}.${key}` : key);
    else if (Array.isArray(node)) node.forEach((item, index) => walk(item, `${at}[${itemKey(item, index)}]`));
    else found.set(at, node);
  };
  walk(tree, path);
  return found;
}

/**
 * The paths that differ between two renders of the same inputs: the chart's random fields (a
 * generated password, a certificate), which no deploy can keep equal and drift detection skips.
 */
export function randomPaths(first: unknown, second: unknown): Set<string> {
  const a = leafPathsByKey(first);
  const b = leafPathsByKey(second);
  const differing = new Set<string>();
  for (const [path, value] of a) if (!sameScalar(value, b.get(path))) differing.add(path);
  for (const path of b.keys()) if (!a.has(path)) differing.add(path);
  return differing;
}

/** A difference as a line of the report: values shown unless a secret is involved. */
export function describeDifference(difference: FieldDifference): string {
  if (difference.secret) return `${difference.path}: differs (secret: value not shown)`;
  const show = (value: unknown) => (value === undefined ? 'absent' : JSON.stringify(value));
  return `${difference.path}: declared ${show(difference.declared)}, live ${show(difference.live)}`;
}
