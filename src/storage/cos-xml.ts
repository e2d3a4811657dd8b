/**
 * The few parts of COS/S3 XML answers the preflight reads. The answers are small and flat, so
 * element-by-name extraction is enough and keeps an XML parser out of the action's bundle.
 */

export interface CosErrorBody {
  code?: string;
  message?: string;
  /** AuthorizationHeaderMalformed names the region the service expected. */
  region?: string;
}

export function parseErrorBody(xml: string): CosErrorBody {
  const error = /<Error>([\s\S]*?)<\/Error>/.exec(xml)?.[1];
  if (error === undefined) return {};
  return { code: element(error, 'Code'), message: element(error, 'Message'), region: element(error, 'Region') };
}

/** Keys of a ListObjects (v1 or v2) answer. */
export function listedKeys(xml: string): string[] {
  return blocks(xml, 'Contents').map((block) => element(block, 'Key') ?? '');
}

export interface ListedUpload {
  key: string;
  uploadId: string;
}

/** Uploads of a ListMultipartUploads answer. */
export function listedUploads(xml: string): ListedUpload[] {
  return blocks(xml, 'Upload').map((block) => ({ key: element(block, 'Key') ?? '', uploadId: element(block, 'UploadId') ?? '' }));
}

/** The UploadId of an InitiateMultipartUpload answer. */
export function initiatedUploadId(xml: string): string | undefined {
  const result = /<InitiateMultipartUploadResult[\s>][\s\S]*?<\/InitiateMultipartUploadResult>/.exec(xml)?.[0];
  return result === undefined ? undefined : element(result, 'UploadId');
}

function blocks(xml: string, name: string): string[] {
  const pattern = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`, 'g');
  return [...xml.matchAll(pattern)].map((match) => match[1] ?? '');
}

function element(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml);
  return match?.[1] === undefined ? undefined : unescapeXml(match[1]);
}

function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&amp;/g, '&');
}
