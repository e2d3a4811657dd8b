/**
 * Decoding of the protobuf request bodies helm and kubectl send (`k8s\0` + runtime.Unknown), for
 * the few kinds they send that way. Field numbers follow k8s.io/api generated.proto.
 */
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

interface RawField {
  num: number;
  wire: number;
  varint?: bigint;
  bytes?: Buffer;
}

function readVarint(buf: Buffer, start: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  let pos = start;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const byte = buf[pos++]!;
    result |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [result, pos];
    shift += 7n;
  }
}

function readFields(buf: Buffer): RawField[] {
  const fields: RawField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [key, afterKey] = readVarint(buf, pos);
    const num = Number(key >> 3n);
    const wire = Number(key & 7n);
    pos = afterKey;
    if (wire === 0) {
      const [value, next] = readVarint(buf, pos);
      fields.push({ num, wire, varint: value });
      pos = next;
    } else if (wire === 2) {
      const [length, next] = readVarint(buf, pos);
      const end = next + Number(length);
      fields.push({ num, wire, bytes: buf.subarray(next, end) });
      pos = end;
    } else if (wire === 1) {
      pos += 8;
    } else if (wire === 5) {
      pos += 4;
    } else {
      throw new Error(`unsupported protobuf wire type ${wire}`);
    }
  }
  return fields;
}

type FieldType = 'string' | 'bytes' | 'int' | 'bool' | 'time' | 'map' | 'mapBytes' | Schema;
interface FieldSpec {
  name: string;
  type: FieldType;
  repeated?: boolean;
}
type Schema = Record<number, FieldSpec>;

const TIME: Schema = { 1: { name: 'seconds', type: 'int' }, 2: { name: 'nanos', type: 'int' } };
const OWNER_REFERENCE: Schema = {
  1: { name: 'kind', type: 'string' },
  3: { name: 'name', type: 'string' },
  4: { name: 'uid', type: 'string' },
  5: { name: 'apiVersion', type: 'string' },
  6: { name: 'controller', type: 'bool' },
  7: { name: 'blockOwnerDeletion', type: 'bool' },
};
const OBJECT_META: Schema = {
  1: { name: 'name', type: 'string' },
  2: { name: 'generateName', type: 'string' },
  3: { name: 'namespace', type: 'string' },
  5: { name: 'uid', type: 'string' },
  6: { name: 'resourceVersion', type: 'string' },
  7: { name: 'generation', type: 'int' },
  8: { name: 'creationTimestamp', type: 'time' },
  9: { name: 'deletionTimestamp', type: 'time' },
  10: { name: 'deletionGracePeriodSeconds', type: 'int' },
  11: { name: 'labels', type: 'map' },
  12: { name: 'annotations', type: 'map' },
  13: { name: 'ownerReferences', type: OWNER_REFERENCE, repeated: true },
  14: { name: 'finalizers', type: 'string', repeated: true },
};
const META = { 1: { name: 'metadata', type: OBJECT_META } } satisfies Schema;
const RESOURCE_ATTRIBUTES: Schema = {
  1: { name: 'namespace', type: 'string' },
  2: { name: 'verb', type: 'string' },
  3: { name: 'group', type: 'string' },
  4: { name: 'version', type: 'string' },
  5: { name: 'resource', type: 'string' },
  6: { name: 'subresource', type: 'string' },
  7: { name: 'name', type: 'string' },
};
const NON_RESOURCE_ATTRIBUTES: Schema = { 1: { name: 'path', type: 'string' }, 2: { name: 'verb', type: 'string' } };

const KINDS: Record<string, Schema> = {
  Secret: {
    ...META,
    2: { name: 'data', type: 'mapBytes' },
    3: { name: 'type', type: 'string' },
    4: { name: 'stringData', type: 'map' },
    5: { name: 'immutable', type: 'bool' },
  },
  ConfigMap: {
    ...META,
    2: { name: 'data', type: 'map' },
    3: { name: 'binaryData', type: 'mapBytes' },
    4: { name: 'immutable', type: 'bool' },
  },
  Namespace: {
    ...META,
    2: { name: 'spec', type: { 1: { name: 'finalizers', type: 'string', repeated: true } } },
  },
  SelfSubjectAccessReview: {
    ...META,
    2: {
      name: 'spec',
      type: { 1: { name: 'resourceAttributes', type: RESOURCE_ATTRIBUTES }, 2: { name: 'nonResourceAttributes', type: NON_RESOURCE_ATTRIBUTES } },
    },
  },
  SubjectAccessReview: {
    ...META,
    2: {
      name: 'spec',
      type: {
        1: { name: 'resourceAttributes', type: RESOURCE_ATTRIBUTES },
        2: { name: 'nonResourceAttributes', type: NON_RESOURCE_ATTRIBUTES },
        3: { name: 'user', type: 'string' },
        4: { name: 'groups', type: 'string', repeated: true },
        6: { name: 'uid', type: 'string' },
      },
    },
  },
  SelfSubjectRulesReview: { ...META, 2: { name: 'spec', type: { 1: { name: 'namespace', type: 'string' } } } },
  SelfSubjectReview: { ...META },
  DeleteOptions: {
    1: { name: 'gracePeriodSeconds', type: 'int' },
    2: { name: 'preconditions', type: { 1: { name: 'uid', type: 'string' }, 2: { name: 'resourceVersion', type: 'string' } } },
    3: { name: 'orphanDependents', type: 'bool' },
    4: { name: 'propagationPolicy', type: 'string' },
    5: { name: 'dryRun', type: 'string', repeated: true },
  },
};

function toTimestamp(time: Record<string, unknown>): string {
  const seconds = Number(time.seconds ?? 0);
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function decodeMapEntry(bytes: Buffer, valueAsBase64: boolean): [string, string] {
  let key = '';
  let value = '';
  for (const field of readFields(bytes)) {
    if (field.num === 1) key = field.bytes!.toString('utf8');
    if (field.num === 2) value = valueAsBase64 ? field.bytes!.toString('base64') : field.bytes!.toString('utf8');
  }
  return [key, value];
}

function decodeMessage(buf: Buffer, schema: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of readFields(buf)) {
    const spec = schema[field.num];
    if (!spec) continue;
    let value: unknown;
    switch (spec.type) {
      case 'string':
        value = field.bytes?.toString('utf8') ?? '';
        break;
      case 'bytes':
        value = field.bytes?.toString('base64') ?? '';
        break;
      case 'int':
        value = Number(BigInt.asIntN(64, field.varint ?? 0n));
        break;
      case 'bool':
        value = field.varint !== 0n;
        break;
      case 'time':
        value = toTimestamp(decodeMessage(field.bytes ?? Buffer.alloc(0), TIME));
        break;
      case 'map':
      case 'mapBytes': {
        const map = (out[spec.name] as Record<string, string> | undefined) ?? {};
        const [k, v] = decodeMapEntry(field.bytes ?? Buffer.alloc(0), spec.type === 'mapBytes');
        map[k] = v;
        out[spec.name] = map;
        continue;
      }
      default:
        value = decodeMessage(field.bytes ?? Buffer.alloc(0), spec.type);
    }
    if (spec.repeated) {
      const list = (out[spec.name] as unknown[] | undefined) ?? [];
      list.push(value);
      out[spec.name] = list;
    } else {
      out[spec.name] = value;
    }
  }
  return out;
}

export class UnsupportedProtobufKind extends Error {}

export function isKubernetesProtobuf(body: Buffer): boolean {
  return body.length >= 4 && body.subarray(0, 4).equals(MAGIC);
}

/** Returns the JSON form of the object in a `k8s\0` protobuf envelope. */
export function decodeKubernetesProtobuf(body: Buffer): Record<string, unknown> {
  if (!isKubernetesProtobuf(body)) throw new Error('missing the k8s protobuf magic prefix');
  const unknown = decodeMessage(body.subarray(4), {
    1: { name: 'typeMeta', type: { 1: { name: 'apiVersion', type: 'string' }, 2: { name: 'kind', type: 'string' } } },
    2: { name: 'raw', type: 'bytes' },
  });
  const typeMeta = (unknown.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  const kind = typeMeta.kind ?? '';
  const schema = KINDS[kind];
  if (!schema) throw new UnsupportedProtobufKind(`protobuf bodies of kind ${kind || '(none)'} are not supported by the simulator`);
  const raw = Buffer.from(String(unknown.raw ?? ''), 'base64');
  return { apiVersion: typeMeta.apiVersion, kind, ...decodeMessage(raw, schema) };
}
