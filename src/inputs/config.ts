import type { TkeKubeconfigRequest } from '../tke/kubeconfig.js';

/** The validated, typed form of the inputs: what the rest of the action works from. */

export type Mode = 'deploy' | 'render' | 'diff';
export type StandaloneMode = 'smoke' | 'preflight';
export type ExposeType = 'clusterIP' | 'ingress' | 'loadBalancer' | 'nodePort' | 'route';
export type SslMode = 'disable' | 'require' | 'verify-ca' | 'verify-full';
export type RedisComponent = 'core' | 'jobservice' | 'registry' | 'trivy' | 'harbor' | 'cacheLayer';

export interface ChartSource {
  /** What helm is given: a chart name, a local directory or an oci:// reference. */
  reference: string;
  kind: 'repository' | 'local' | 'oci';
  /** Repository URL, for kind 'repository'. */
  repository?: string;
  version: string;
}

export interface CosStorage {
  type: 'cos';
  region: string;
  bucket: string;
  endpoint: string;
  /** Whether the endpoint is one of COS's own domains (false: an S3-compatible service). */
  endpointIsCos: boolean;
  /** Whether cos-endpoint was given (else the default for the region). */
  endpointExplicit: boolean;
  rootDirectory: string;
  secretId?: string;
  secretKey?: string;
}

export interface FilesystemStorage {
  type: 'filesystem';
  /** An existing claim named by the user (registry-pvc). */
  existingClaim?: string;
}

export interface CfsVolumes {
  server: string;
  path: string;
  size: string;
}

export interface ExternalDatabase {
  type: 'external';
  host: string;
  port: number;
  username: string;
  password?: string;
  name: string;
  sslmode: SslMode;
}

export interface ExternalRedis {
  type: 'external';
  addr: string;
  username?: string;
  password?: string;
  indexes: Partial<Record<RedisComponent, number>>;
}

export interface ValuesOverride {
  /** Where it came from, for messages: a file path, "values" or "set". */
  source: string;
  values: Record<string, unknown>;
}

export interface ToolChoice {
  version: string;
  mirror: string;
  sha256?: string;
}

export interface DeploySettings {
  /** Kubeconfig content from the input (decoded); undefined: use the runner's KUBECONFIG files. */
  kubeconfigContent?: string;
  /** The runner's KUBECONFIG files that exist, in kubectl's merge order. */
  kubeconfigFiles?: string[];
  /** With neither: the kubeconfig comes from TKE's API. */
  tke?: TkeKubeconfigRequest;
  kubeContext?: string;
  timeoutMs: number;
  rollbackOnFailure: boolean;
  stuckRelease: 'fail' | 'rollback';
  /** lock-wait: how long to wait for another run holding the release (0: not at all). */
  lockWaitMs: number;
  /** leaseDurationSeconds of this run's hold (HARBOR_TKE_ACTION_LEASE_SECONDS, default 60). */
  lockLeaseSeconds: number;
  historyMax: number;
  forceUpgrade: boolean;
  failOnDrift: boolean;
  cfsPrepare: boolean;
  cfsPrepareImage: string;
}

export interface SmokeSettings {
  enabled: boolean;
  client: 'native' | 'docker';
  repository: string;
  timeoutMs: number;
  /** Whether smoke-test-timeout was left at its default (then a measured COS lag may extend it). */
  timeoutIsDefault: boolean;
  username: string;
  password?: string;
  /** The input the password came from: smoke-test-password, else admin-password. */
  passwordInput: 'smoke-test-password' | 'admin-password';
  registryUrl: string;
  /** external-url when given: Harbor may announce its token service there. */
  externalUrl?: string;
  keep: boolean;
}

/** Modes that need only part of the inputs: the smoke test alone, or the COS check alone. */
export type StandaloneConfig = { mode: 'smoke'; smoke: SmokeSettings } | { mode: 'preflight'; cos: CosStorage };

export interface ActionConfig {
  mode: Mode;
  release: string;
  namespace: string;
  chart: ChartSource;
  externalUrl: string;
  externalHost: string;
  expose: { type: ExposeType; tls: boolean; gateway?: { namespace: string; name: string } };
  storage: CosStorage | FilesystemStorage;
  jobserviceClaim?: string;
  cfs?: CfsVolumes;
  database: ExternalDatabase | { type: 'internal' };
  redis: ExternalRedis | { type: 'internal' };
  harbor: { adminPassword?: string; trivy: boolean; metrics: boolean; replicas: number };
  /** In precedence order, lowest first: values-files, then values, then set. */
  overrides: ValuesOverride[];
  secretsInValues: boolean;
  tools: { helm: ToolChoice; kubectl: ToolChoice };
  /** Present in the modes that reach a cluster (deploy, diff). */
  deploy?: DeploySettings;
  smoke: SmokeSettings;
  storagePreflight: boolean;
}
