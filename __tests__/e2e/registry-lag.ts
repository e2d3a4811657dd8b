import type { S3RegistryStack } from '../support/registry-stack/s3-stack.js';

/**
 * Opens a listing-lag window of `windowMs` at the registry's next request, so that the smoke test
 * meets the lag rather than the deploy before it, whose length varies. The front records each
 * request synchronously in this process before answering it, so the window is open before the
 * first upload. Used by the end-to-end suite and by `npm run demo`.
 */
export function lagFromNextRegistryRequest(stack: S3RegistryStack, windowMs: number): void {
  const requests = stack.front.requests;
  const push = requests.push.bind(requests);
  requests.push = (...records) => {
    requests.push = push;
    stack.lag.startLagWindow(windowMs);
    return push(...records);
  };
}
