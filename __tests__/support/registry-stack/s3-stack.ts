import { startCeph, type StartedCeph } from './ceph.js';
import { startLagProxy, type LagProxy } from './lag-proxy.js';
import { startRegistryStack, type RegistryStack, type RegistryStackSettings } from './stack.js';

export interface S3RegistryStack extends RegistryStack {
  ceph: StartedCeph;
  lag: LagProxy;
}

/** Tier 3: the registry on S3 storage (Ceph radosgw) through the listing-lag proxy, behind the front. */
export async function startS3RegistryStack(settings: Omit<RegistryStackSettings, 'storage'>): Promise<S3RegistryStack> {
  const ceph = await startCeph();
  let lag: LagProxy | undefined;
  try {
    await ceph.createBucket('registry');
    lag = await startLagProxy(ceph.endpoint);
    const stack = await startRegistryStack({
      ...settings,
      storage: { kind: 's3', endpoint: lag.url, bucket: 'registry', accessKey: ceph.accessKey, secretKey: ceph.secretKey },
    });
    const lagProxy = lag;
    return {
      ...stack,
      ceph,
      lag: lagProxy,
      stop: async () => {
        await stack.stop();
        await lagProxy.stop();
        await ceph.stop();
      },
    };
  } catch (error) {
    await lag?.stop();
    await ceph.stop();
    throw error;
  }
}
