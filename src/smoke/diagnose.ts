/**
 * What the registry's own log (or its 500 body) says behind a push that kept failing. The client
 * only ever sees "500 unknown error": the storage driver's message is the one that names the fix.
 */
export interface Diagnosis {
  cause: string;
  hint: string;
}

const KNOWN_STORAGE_FAILURES: Array<{ pattern: RegExp; diagnosis: Diagnosis }> = [
  {
    pattern: /PathStyleDomainForbidden/,
    diagnosis: {
      cause: 'COS rejects path-style requests (bucket created after 2024-01-01)',
      hint: "the registry uses path-style addressing whenever regionendpoint is set; point regionendpoint at the bucket's own domain (<bucket>.cos.<region>.myqcloud.com) or use a bucket that accepts path-style requests",
    },
  },
  {
    pattern: /NoSuchBucket/,
    diagnosis: {
      cause: 'the COS bucket does not exist',
      hint: 'check the bucket name (it ends in -<APPID>) and the region; create the bucket before deploying',
    },
  },
  {
    pattern: /SignatureDoesNotMatch|InvalidAccessKeyId|AccessDenied/,
    diagnosis: {
      cause: 'COS refused the credentials',
      hint: 'check the SecretId/SecretKey given to the registry, their permissions on the bucket, and that the region matches the bucket',
    },
  },
  {
    pattern: /Path not found/,
    diagnosis: {
      cause: 'COS listing consistency: the registry could not yet list an object it had just written',
      hint: 'this clears on its own within seconds to minutes; raise smoke-test-timeout, and see goharbor/harbor#15117',
    },
  },
];

/** Maps the registry pod's log text to a cause and a fix; undefined when nothing known is in it. */
export function diagnoseRegistryLog(logText: string): Diagnosis | undefined {
  // The most specific cause wins: a path-style or key problem also produces generic errors.
  for (const { pattern, diagnosis } of KNOWN_STORAGE_FAILURES) if (pattern.test(logText)) return diagnosis;
  return undefined;
}

/**
 * The registry's 500 body carries the storage driver's error as detail: a PathNotFoundError has
 * `Path` and `DriverName`, which is what "Path not found" looks like from the client's side.
 */
export function diagnoseRegistryErrorBody(body: string): Diagnosis | undefined {
  const fromText = diagnoseRegistryLog(body);
  if (fromText) return fromText;
  try {
    const parsed = JSON.parse(body) as { errors?: Array<{ detail?: { Path?: unknown; DriverName?: unknown } }> };
    const detail = parsed.errors?.[0]?.detail;
    if (detail && typeof detail.Path === 'string' && typeof detail.DriverName === 'string') {
      return diagnoseRegistryLog('Path not found');
    }
  } catch {
    // Not JSON (an HTML page from a proxy): nothing to read.
  }
  return undefined;
}
