import type { CosStorage } from '../inputs/config.js';
import { inGroup } from '../report/log.js';
import { setOutput } from '../report/outputs.js';
import { enterPhase, PHASE } from '../run/phase.js';
import { runCosPreflight, type PreflightResult } from '../storage/preflight.js';

/** The COS preflight with the inputs as the registry will use them; sets cos-list-lag-ms. */
export async function checkCosBucket(cos: CosStorage): Promise<PreflightResult> {
  enterPhase(PHASE.cosPreflight);
  if (!cos.secretId || !cos.secretKey) throw new Error('the COS preflight needs cos-secret-id and cos-secret-key');
  const result = await inGroup(`COS preflight: ${cos.bucket} at ${new URL(cos.endpoint).host}`, () =>
    runCosPreflight({ endpoint: cos.endpoint, region: cos.region, bucket: cos.bucket, rootDirectory: cos.rootDirectory, secretId: cos.secretId!, secretKey: cos.secretKey! }),
  );
  setOutput('cos-list-lag-ms', result.listLagMs);
  return result;
}
