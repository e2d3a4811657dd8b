import { redact } from '../report/redact.js';
import { listItemKey, listKeysAt } from './merge-keys.js';

/**
 * Comparing what is declared with what is there. "Declared" wins the vocabulary: a difference is a
 * path whose declared value the live side does not have. Fields the live side adds (status,
 * defaults, managedFields) are not differences, exactly as an apply would leave them alone.
 */
export interface FieldDifference {
  /** Dotted path, list items by their API merge keys: spec.template.spec.containers[core].env[MODE].value, ports[8080/TCP] */
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

/**
 * Where a comparison stands inside a Kubernetes object: its kind and the field names from its
 * root, which decide how the list there is keyed. Without a kind (a values tree), lists are
 * compared by position.
 */
interface Position {
  kind?: string;
  fields: string[];
}

function child(position: Position, field: string): Position {
  return { kind: position.kind, fields: [...position.fields, field] };
}

function listKeyer(position: Position): (item: unknown, index: number) => string {
  const keys = position.kind ? listKeysAt(position.kind, position.fields) : undefined;
  return (item, index) => listItemKey(keys, item, index);
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

/**
 * Differences where `live` lacks or changes something `declared` states. `kind`: the Kubernetes
 * kind of the objects compared (their lists are matched by the API's merge keys); none for values.
 */
export function declaredDifferences(declared: unknown, live: unknown, kind?: string, ignored: ReadonlySet<string> = new Set()): FieldDifference[] {
  return differencesAt(declared, live, '', { kind, fields: [] }, ignored);
}

function differencesAt(declared: unknown, live: unknown, path: string, position: Position, ignored: ReadonlySet<string>): FieldDifference[] {
  if (ignored.has(path)) return [];
  if (isMap(declared)) {
    if (!isMap(live)) return [{ path: path || '(object)', declared: '(map)', live: live === undefined ? undefined : '(not a map)', secret: false }];
    return Object.entries(declared).flatMap(([key, value]) => differencesAt(value, live[key], path ? `${path}.${key}` : key, child(position, key), ignored));
  }
  if (Array.isArray(declared)) {
    if (!Array.isArray(live)) return [{ path, declared: `(list of ${declared.length})`, live: live === undefined ? undefined : '(not a list)', secret: false }];
    const keyOf = listKeyer(position);
    const liveByKey = new Map(live.map((item, index) => [keyOf(item, index), item]));
    return declared.flatMap((item, index) => {
      const key = keyOf(item, index);
      return differencesAt(item, liveByKey.get(key), `${path}[${key}]`, position, ignored);
    });
  }
  if (declared === null || declared === undefined) return [];
  if (sameScalar(declared, live)) return [];
  return [{ path, declared, live, secret: isSecretPath(path) || holdsSecret(declared) || holdsSecret(live) }];
}

/** Every leaf path of a tree, list items by their merge keys (for a Kubernetes object of `kind`) or position. */
export function leafPathsByKey(tree: unknown, kind?: string): Map<string, unknown> {
  const found = new Map<string, unknown>();
  const walk = (node: unknown, at: string, position: Position) => {
    if (isMap(node)) for (const [key, value] of Object.entries(node)) walk(value, at ? `${at}.${key}` : key, child(position, key));
    else if (Array.isArray(node)) {
      const keyOf = listKeyer(position);
      node.forEach((item, index) => walk(item, `${at}[${keyOf(item, index)}]`, position));
    } else found.set(at, node);
  };
  walk(tree, '', { kind, fields: [] });
  return found;
}

/**
 * The paths that differ between two renders of the same inputs: the chart's random fields (a
 * generated password, a certificate), which no deploy can keep equal and drift detection skips.
 */
export function randomPaths(first: unknown, second: unknown, kind?: string): Set<string> {
  const a = leafPathsByKey(first, kind);
  const b = leafPathsByKey(second, kind);
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
