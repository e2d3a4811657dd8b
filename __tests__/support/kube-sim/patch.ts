/** JSON patch (RFC 6902), merge patch (RFC 7386), an approximation of strategic merge, and apply. */
type Value = unknown;
type Obj = Record<string, unknown>;

export class PatchError extends Error {
  constructor(message: string, readonly code = 422) {
    super(message);
  }
}

function isObject(value: Value): value is Obj {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function deepClone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

export function deepEqual(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

// ---------- RFC 6902 ----------
function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(`invalid JSON pointer ${pointer}`);
  return pointer.slice(1).split('/').map(unescapePointer);
}

function getAt(doc: Value, path: string[]): Value {
  let current = doc;
  for (const seg of path) {
    if (Array.isArray(current)) current = current[Number(seg)];
    else if (isObject(current)) current = current[seg];
    else return undefined;
  }
  return current;
}

function parentOf(doc: Value, path: string[], op: string): { parent: Obj | Value[]; key: string } {
  const parent = getAt(doc, path.slice(0, -1));
  if (!isObject(parent) && !Array.isArray(parent)) throw new PatchError(`${op} operation does not apply: doc is missing path: /${path.join('/')}`);
  return { parent, key: path[path.length - 1]! };
}

export function applyJsonPatch(doc: Value, ops: Array<Record<string, unknown>>): Value {
  let result = deepClone(doc);
  for (const op of ops) {
    const path = parsePointer(String(op.path ?? ''));
    const kind = String(op.op);
    const remove = (p: string[]): Value => {
      const { parent, key } = parentOf(result, p, kind);
      if (Array.isArray(parent)) {
        const index = Number(key);
        if (!(index in parent)) throw new PatchError(`${kind} operation does not apply: doc is missing path: /${p.join('/')}`);
        return parent.splice(index, 1)[0];
      }
      if (!(key in parent)) throw new PatchError(`${kind} operation does not apply: doc is missing path: /${p.join('/')}`);
      const old = parent[key];
      delete parent[key];
      return old;
    };
    const add = (p: string[], value: Value) => {
      if (p.length === 0) {
        result = deepClone(value);
        return;
      }
      const { parent, key } = parentOf(result, p, kind);
      if (Array.isArray(parent)) {
        if (key === '-') parent.push(deepClone(value));
        else parent.splice(Number(key), 0, deepClone(value));
      } else {
        parent[key] = deepClone(value);
      }
    };
    switch (kind) {
      case 'add':
        add(path, op.value);
        break;
      case 'remove':
        remove(path);
        break;
      case 'replace': {
        if (path.length === 0) {
          result = deepClone(op.value);
          break;
        }
        const { parent, key } = parentOf(result, path, kind);
        if (Array.isArray(parent)) parent[Number(key)] = deepClone(op.value);
        else {
          if (!(key in parent)) throw new PatchError(`replace operation does not apply: doc is missing key: /${path.join('/')}`);
          parent[key] = deepClone(op.value);
        }
        break;
      }
      case 'move': {
        const value = remove(parsePointer(String(op.from)));
        add(path, value);
        break;
      }
      case 'copy':
        add(path, getAt(result, parsePointer(String(op.from))));
        break;
      case 'test':
        if (!deepEqual(getAt(result, path), op.value)) throw new PatchError(`testing value /${path.join('/')} failed`);
        break;
      default:
        throw new PatchError(`Unexpected kind: ${kind}`);
    }
  }
  return result;
}

// ---------- RFC 7386 ----------
export function applyMergePatch(target: Value, patch: Value): Value {
  if (!isObject(patch)) return deepClone(patch);
  const result: Obj = isObject(target) ? deepClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

// ---------- strategic merge (approximated) ----------
/** Lists merged by key, as the built-in patch strategies of the native types do. */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  env: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  conditions: 'type',
  ownerReferences: 'uid',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  tolerations: 'key',
  topologySpreadConstraints: 'topologyKey',
};

function mergeKeyFor(field: string, path: string[], items: unknown[]): string | undefined {
  if (field === 'ports') {
    // Service ports merge by port, container ports by containerPort.
    const sample = items.find(isObject);
    if (sample && 'containerPort' in sample) return 'containerPort';
    if (path.includes('containers') || path.includes('initContainers')) return 'containerPort';
    return 'port';
  }
  return MERGE_KEYS[field];
}

/** Lists the strategic merge treats as sets of primitives. */
const PRIMITIVE_MERGE_LISTS = new Set(['finalizers']);

function strategicMergeList(field: string, path: string[], original: unknown[], patch: unknown[]): unknown[] {
  if (PRIMITIVE_MERGE_LISTS.has(field)) {
    const result = [...original];
    for (const item of patch) if (!result.some((v) => deepEqual(v, item))) result.push(item);
    return result;
  }
  const key = mergeKeyFor(field, path, [...patch, ...original]);
  if (!key || !patch.every(isObject)) return deepClone(patch);
  const directive = patch.find((item) => isObject(item) && item.$patch === 'replace');
  if (directive) return deepClone(patch.filter((item) => item !== directive));
  const result = deepClone(original.filter(isObject)) as Obj[];
  for (const item of patch as Obj[]) {
    const match = result.findIndex((existing) => existing[key] !== undefined && deepEqual(existing[key], item[key]));
    if (item.$patch === 'delete') {
      if (match >= 0) result.splice(match, 1);
      continue;
    }
    if (match >= 0) result[match] = strategicMergeObject(result[match], item, [...path, field]) as Obj;
    else result.push(strategicMergeObject({}, item, [...path, field]) as Obj);
  }
  return result;
}

function strategicMergeObject(original: Value, patch: Obj, path: string[]): Value {
  if (patch.$patch === 'delete') return undefined;
  if (patch.$patch === 'replace') {
    const copy = deepClone(patch);
    delete copy.$patch;
    return copy;
  }
  const result: Obj = isObject(original) ? deepClone(original) : {};
  const retainKeys = Array.isArray(patch.$retainKeys) ? (patch.$retainKeys as string[]) : undefined;
  if (retainKeys) for (const key of Object.keys(result)) if (!retainKeys.includes(key)) delete result[key];
  for (const [rawKey, value] of Object.entries(patch)) {
    if (rawKey === '$patch' || rawKey === '$retainKeys') continue;
    const deleteFrom = /^\$deleteFromPrimitiveList\/(.+)$/.exec(rawKey);
    if (deleteFrom) {
      const field = deleteFrom[1]!;
      const list = Array.isArray(result[field]) ? (result[field] as unknown[]) : [];
      result[field] = list.filter((item) => !(value as unknown[]).some((v) => deepEqual(v, item)));
      continue;
    }
    const setOrder = /^\$setElementOrder\/(.+)$/.exec(rawKey);
    if (setOrder) continue;
    if (value === null) {
      delete result[rawKey];
    } else if (Array.isArray(value)) {
      result[rawKey] = strategicMergeList(rawKey, path, Array.isArray(result[rawKey]) ? (result[rawKey] as unknown[]) : [], value);
    } else if (isObject(value)) {
      const merged = strategicMergeObject(result[rawKey], value, [...path, rawKey]);
      if (merged === undefined) delete result[rawKey];
      else result[rawKey] = merged;
    } else {
      result[rawKey] = value;
    }
  }
  return result;
}

export function applyStrategicMergePatch(original: Value, patch: Value): Value {
  if (!isObject(patch)) throw new PatchError('strategic merge patch must be a JSON object', 400);
  return strategicMergeObject(original, patch, []);
}

// ---------- server-side apply (approximated) ----------
/**
 * Removes from `live` what `previous` (this manager's last applied configuration) set and `next`
 * no longer sets, descending into maps and keyed lists.
 */
function pruneDropped(live: Value, previous: Value, next: Value, path: string[]): Value {
  if (!isObject(live) || !isObject(previous)) return live;
  const result = { ...live };
  const nextObj = isObject(next) ? next : {};
  for (const [key, prevValue] of Object.entries(previous)) {
    if (!(key in nextObj)) {
      delete result[key];
      continue;
    }
    const nextValue = nextObj[key];
    if (isObject(prevValue) && isObject(nextValue)) {
      result[key] = pruneDropped(result[key], prevValue, nextValue, [...path, key]);
    } else if (Array.isArray(prevValue) && Array.isArray(nextValue) && Array.isArray(result[key])) {
      const mergeKey = mergeKeyFor(key, path, [...nextValue, ...prevValue]);
      if (!mergeKey || !prevValue.every(isObject)) continue;
      let liveList = result[key] as Obj[];
      for (const prevItem of prevValue as Obj[]) {
        const nextItem = (nextValue as Obj[]).find((item) => isObject(item) && deepEqual(item[mergeKey], prevItem[mergeKey]));
        if (!nextItem) liveList = liveList.filter((item) => !deepEqual(item[mergeKey], prevItem[mergeKey]));
        else liveList = liveList.map((item) => (deepEqual(item[mergeKey], prevItem[mergeKey]) ? (pruneDropped(item, prevItem, nextItem, [...path, key]) as Obj) : item));
      }
      result[key] = liveList;
    }
  }
  return result;
}

export function applyServerSideApply(live: Value, previousApplied: Value, applied: Obj, builtIn: boolean): Value {
  const pruned = previousApplied ? pruneDropped(live, previousApplied, applied, []) : live;
  return builtIn ? applyStrategicMergePatch(pruned, applied) : applyMergePatch(pruned, applied);
}
