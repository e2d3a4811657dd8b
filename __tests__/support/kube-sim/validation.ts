/**
 * The object validation the API server does whatever the kind: names, label values and the 1 MiB
 * limit of Secret and ConfigMap data. Field-level schema validation is not modelled.
 */
import { invalid } from './errors.js';
import type { ResourceType } from './resources.js';
import type { KubeObject } from './types.js';

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const DATA_KEY = /^[-._a-zA-Z0-9]+$/;
const MAX_DATA_BYTES = 1024 * 1024;

const SUBDOMAIN_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_1123_MESSAGE =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const LABEL_1035_MESSAGE =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const LABEL_VALUE_MESSAGE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

function nameProblem(kind: string, name: string): string | undefined {
  if (kind === 'Namespace') return name.length <= 63 && LABEL_1123.test(name) ? undefined : LABEL_1123_MESSAGE;
  if (kind === 'Service') return name.length <= 63 && LABEL_1035.test(name) ? undefined : LABEL_1035_MESSAGE;
  if (kind === 'Event') return undefined;
  return name.length <= 253 && SUBDOMAIN.test(name) ? undefined : SUBDOMAIN_MESSAGE;
}

function dataBytes(object: KubeObject): number {
  let total = 0;
  for (const [key, value] of Object.entries((object.data ?? {}) as Record<string, string>)) {
    total += key.length + (object.kind === 'Secret' ? Buffer.from(value, 'base64').length : Buffer.byteLength(value));
  }
  for (const [key, value] of Object.entries((object.binaryData ?? {}) as Record<string, string>)) total += key.length + Buffer.from(value, 'base64').length;
  return total;
}

export function validateObject(type: ResourceType, object: KubeObject): void {
  const name = object.metadata.name ?? '';
  const causes: { field: string; message: string }[] = [];
  const badName = nameProblem(type.kind, name);
  if (badName) causes.push({ field: 'metadata.name', message: `Invalid value: "${name}": ${badName}` });
  for (const [key, value] of Object.entries(object.metadata.labels ?? {})) {
    if (typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value)) {
      causes.push({ field: `metadata.labels`, message: `Invalid value: "${String(value)}": ${LABEL_VALUE_MESSAGE}` });
    }
    if (!key) causes.push({ field: 'metadata.labels', message: 'Invalid value: "": name part must be non-empty' });
  }
  if (type.kind === 'Secret' || type.kind === 'ConfigMap') {
    for (const key of Object.keys({ ...(object.data ?? {}), ...(object.binaryData ?? {}) })) {
      if (!DATA_KEY.test(key)) causes.push({ field: `data[${key}]`, message: `Invalid value: "${key}": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')` });
    }
    if (dataBytes(object) > MAX_DATA_BYTES) causes.push({ field: 'data', message: `Too long: may not be more than ${MAX_DATA_BYTES} bytes` });
  }
  if (causes.length > 0) throw invalid(type.kind, name, type.group, causes);
}
