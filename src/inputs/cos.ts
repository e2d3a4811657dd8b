/**
 * Tencent COS naming rules: regions, endpoints and buckets. The registry signs every request for
 * `region` and sends it to `regionendpoint`; when the two disagree COS refuses every request, and
 * the user only sees an HTTP 500 on push. These checks catch that before a deploy.
 */

/** Region ids from Tencent's regions page, plus those seen in use (harbor-facts.md). */
export const KNOWN_COS_REGIONS = [
  'ap-beijing',
  'ap-shanghai',
  'ap-guangzhou',
  'ap-chengdu',
  'ap-chongqing',
  'ap-shenzhen-fsi',
  'ap-shanghai-fsi',
  'ap-hongkong',
  'ap-singapore',
  'ap-mumbai',
  'ap-seoul',
  'ap-bangkok',
  'ap-tokyo',
  'na-siliconvalley',
  'na-ashburn',
  'na-toronto',
  'eu-frankfurt',
  'eu-moscow',
  'ap-beijing-1',
  'ap-nanjing',
  'ap-jakarta',
  'sa-saopaulo',
] as const;

const REGION_FORMAT = /^[a-z]{2}-[a-z]+(?:-[a-z0-9]+)*$/;
const COS_DOMAINS = ['myqcloud.com', 'tencentcos.cn'] as const;
/** `<name>-<APPID>`: lowercase letters, digits and hyphens, then the numeric APPID. */
const BUCKET_WITH_APPID = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?-\d{5,}$/;
const BUCKET_FORMAT = /^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/;

export function isWellFormedRegion(region: string): boolean {
  return REGION_FORMAT.test(region);
}

export function isKnownRegion(region: string): boolean {
  return (KNOWN_COS_REGIONS as readonly string[]).includes(region);
}

export function defaultCosEndpoint(region: string): string {
  return `https://cos.${region}.myqcloud.com`;
}

export type CosEndpointKind =
  /** cos.<region>.myqcloud.com, cos-internal.<region>.tencentcos.cn, … */
  | 'cos-regional'
  /** <bucket>.cos.<region>.myqcloud.com: the workaround for buckets that refuse path-style requests. */
  | 'cos-bucket-domain'
  /** cos.accelerate.myqcloud.com and <bucket>.cos.accelerate.myqcloud.com: no region in the name. */
  | 'cos-accelerate'
  /** A host under a COS domain in a form this action does not know (e.g. cos-website). */
  | 'cos-unrecognised'
  /** Any other S3-compatible service. */
  | 's3-compatible';

export interface CosEndpoint {
  kind: CosEndpointKind;
  host: string;
  region?: string;
  bucket?: string;
}

/** Classifies an endpoint host by COS's documented domain forms. */
export function classifyEndpointHost(hostname: string): CosEndpoint {
  const host = hostname.toLowerCase();
  const domain = COS_DOMAINS.find((d) => host === d || host.endsWith(`.${d}`));
  if (!domain) return { kind: 's3-compatible', host };
  const labels = host.slice(0, -(domain.length + 1)).split('.');
  // [bucket.]<service>.<region>
  const [first, second, third] = labels;
  if (labels.length === 2 && isServiceLabel(first) && second) {
    return second === 'accelerate' ? { kind: 'cos-accelerate', host } : { kind: 'cos-regional', host, region: second };
  }
  if (labels.length === 3 && first && isServiceLabel(second) && third) {
    return third === 'accelerate'
      ? { kind: 'cos-accelerate', host, bucket: first }
      : { kind: 'cos-bucket-domain', host, region: third, bucket: first };
  }
  return { kind: 'cos-unrecognised', host };
}

function isServiceLabel(label: string | undefined): boolean {
  return label === 'cos' || label === 'cos-internal';
}

export function isCosKind(kind: CosEndpointKind): boolean {
  return kind !== 's3-compatible';
}

export function bucketHasAppId(bucket: string): boolean {
  return BUCKET_WITH_APPID.test(bucket);
}

export function isWellFormedBucket(bucket: string): boolean {
  return BUCKET_FORMAT.test(bucket) && bucket.length >= 3 && bucket.length <= 63;
}

/** The known region closest to a mistyped one ("ap-chegndu" → "ap-chengdu"), if any is close. */
export function closestKnownRegion(region: string): string | undefined {
  let best: { region: string; distance: number } | undefined;
  for (const known of KNOWN_COS_REGIONS) {
    const distance = editDistance(region, known);
    if (!best || distance < best.distance) best = { region: known, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(region.length / 4)) ? best.region : undefined;
}

/** Optimal string alignment distance: Levenshtein plus swaps of neighbours, the commonest typo. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i]!;
      const above = d[i - 1]!;
      row[j] = Math.min(above[j]! + 1, row[j - 1]! + 1, above[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}
