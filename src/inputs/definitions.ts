/**
 * The action's public interface: every input, its default and whether it is a secret.
 * action.yml declares the same list (a test keeps the two identical); defaults that depend on
 * other inputs (cos-endpoint, registry-url) are empty here and derived in validation.
 */
export interface InputDefinition {
  name: string;
  description: string;
  default?: string;
  required?: boolean;
  secret?: boolean;
}

export const INPUTS = [
  // General
  { name: 'mode', default: 'deploy', description: 'What to do: deploy (install or upgrade Harbor), render (values and manifests for a PR preview; touches no cluster), diff (report drift), smoke (only the login + push smoke test against registry-url), preflight (only the COS bucket check).' },
  { name: 'release', default: 'harbor', description: 'Helm release name (DNS-1123, at most 53 characters).' },
  { name: 'namespace', default: 'harbor', description: 'Kubernetes namespace of the release.' },
  { name: 'chart', default: 'harbor', description: 'Chart name in chart-repo, a local chart directory, or an oci:// reference.' },
  { name: 'chart-repo', default: 'https://helm.goharbor.io', description: 'Chart repository URL (used when chart is a name).' },
  { name: 'chart-version', default: '1.19.1', description: 'Harbor chart version (1.12.0 or later). For a local chart, its Chart.yaml version is used.' },
  { name: 'external-url', required: true, description: 'The URL users reach Harbor at, e.g. https://registry.example.com (scheme and host, no path).' },
  // Exposure
  { name: 'expose', default: 'clusterIP', description: 'How the chart exposes Harbor: clusterIP | ingress | loadBalancer | nodePort | route (route: chart 1.18+).' },
  { name: 'tls', default: 'false', description: 'TLS on the chart\'s own front (keep false when TLS ends at a gateway).' },
  { name: 'istio-gateway', description: 'Istio Gateway as namespace/name: deploy creates a VirtualService for the external URL\'s host routing to the front Service on port 80. With expose: route, the Gateway API Gateway the HTTPRoute attaches to.' },
  // Storage
  { name: 'storage', default: 'cos', description: 'Where images are stored: cos (Tencent COS through the S3 driver) | filesystem (a PVC, e.g. on CFS).' },
  { name: 'cos-region', description: 'COS region of the bucket, e.g. ap-guangzhou.' },
  { name: 'cos-bucket', description: 'COS bucket with its APPID suffix, e.g. harbor-1250000000.' },
  { name: 'cos-secret-id', secret: true, description: 'Tencent Cloud SecretId with access to the bucket (kept in a Kubernetes Secret, not in the values).' },
  { name: 'cos-secret-key', secret: true, description: 'Tencent Cloud SecretKey for cos-secret-id.' },
  { name: 'cos-endpoint', description: 'S3 endpoint. Default https://cos.<cos-region>.myqcloud.com. Set it to use a region newer than this action, the bucket domain, or an S3-compatible service.' },
  { name: 'cos-root-directory', default: '/', description: 'Path inside the bucket where the registry keeps its data.' },
  { name: 'registry-pvc', description: 'Existing PVC for images (storage: filesystem only).' },
  { name: 'jobservice-pvc', description: 'Existing PVC for jobservice job logs.' },
  { name: 'cfs-server', description: 'Tencent CFS (NFS) server address: deploy creates PersistentVolumes and claims for jobservice logs (and images with storage: filesystem).' },
  { name: 'cfs-path', description: 'Exported CFS path; the action uses <cfs-path>/jobservice and <cfs-path>/registry.' },
  { name: 'cfs-size', default: '10Gi', description: 'Capacity of each CFS PersistentVolume.' },
  // Database
  { name: 'database-host', description: 'External PostgreSQL host. Empty: the chart\'s internal database (not for production).' },
  { name: 'database-port', default: '5432', description: 'External PostgreSQL port.' },
  { name: 'database-username', default: 'postgres', description: 'External PostgreSQL user.' },
  { name: 'database-password', secret: true, description: 'External PostgreSQL password (kept in a Kubernetes Secret).' },
  { name: 'database-name', default: 'registry', description: 'Database of Harbor core.' },
  { name: 'database-sslmode', default: 'disable', description: 'disable | require | verify-ca | verify-full.' },
  // Redis
  { name: 'redis-addr', description: 'External Redis as host:port. Empty: the chart\'s internal Redis (not for production).' },
  { name: 'redis-username', description: 'Redis ACL user (optional).' },
  { name: 'redis-password', secret: true, description: 'Redis password (kept in a Kubernetes Secret).' },
  { name: 'redis-database-indexes', description: 'Redis database per component, e.g. core=10,jobservice=11,registry=12,trivy=14 (0-15, distinct). Unset ones keep the chart defaults.' },
  // Harbor
  { name: 'admin-password', secret: true, description: 'Harbor admin password (takes effect when Harbor first initialises its database). Required to deploy.' },
  { name: 'trivy', default: 'false', description: 'Deploy the Trivy scanner.' },
  { name: 'metrics', default: 'false', description: 'Enable Harbor\'s Prometheus metrics (adds the exporter).' },
  { name: 'replicas', default: '1', description: 'Replicas of core, jobservice, registry, portal and nginx.' },
  // Overrides
  { name: 'values-files', description: 'Extra values files, one path per line (relative to the workspace). Override the generated values.' },
  { name: 'values', description: 'Inline YAML values. Override generated values and values-files.' },
  { name: 'set', description: 'One path=value per line (Helm --set syntax). Highest precedence.' },
  { name: 'secrets-in-values', default: 'false', description: 'Put secrets into the chart values instead of Kubernetes Secrets referenced by existingSecret (not recommended: helm get values shows them).' },
  // Tools
  { name: 'helm-version', default: 'v4.1.4', description: 'Helm to install: an exact version (v4.1.4), latest, or a major line (4.x). latest never crosses to another major than the default\'s.' },
  { name: 'kubectl-version', default: 'v1.34.5', description: 'kubectl to install: an exact version (v1.34.5), latest (the mirror\'s stable.txt) or 1.x.' },
  { name: 'helm-mirror', default: 'https://get.helm.sh', description: 'Where Helm archives are downloaded from (official layout), e.g. a mirror for China-region runners.' },
  { name: 'kubectl-mirror', default: 'https://dl.k8s.io/release', description: 'Where kubectl is downloaded from (official layout).' },
  { name: 'helm-sha256', description: 'Pinned SHA-256 of the Helm archive: overrides the mirror\'s checksum file (required for a mirror without one).' },
  { name: 'kubectl-sha256', description: 'Pinned SHA-256 of the kubectl binary: overrides the mirror\'s checksum file.' },
  // Cluster and deploy
  { name: 'kubeconfig', secret: true, description: 'Kubeconfig content, plain or base64. Empty: the runner\'s KUBECONFIG (every file it lists, merged as kubectl merges them; their credentials are masked). Written to a private file that the post step removes.' },
  { name: 'tke-cluster-id', description: 'TKE cluster ID (cls-…): with no kubeconfig input and no KUBECONFIG, the action gets a kubeconfig from TKE itself (DescribeClusterKubeconfig).' },
  { name: 'tke-region', description: 'Region of the TKE cluster (default: cos-region).' },
  { name: 'tencentcloud-secret-id', secret: true, description: 'Tencent Cloud SecretId for the TKE API (default: cos-secret-id). Needs tke:DescribeClusterKubeconfig; tke:DescribeClusterEndpointStatus and tke:DescribeClusterEndpoints make endpoint errors precise.' },
  { name: 'tencentcloud-secret-key', secret: true, description: 'Tencent Cloud SecretKey for the TKE API (default: cos-secret-key).' },
  { name: 'tke-endpoint-access', default: 'internet', description: 'Which API server address the TKE kubeconfig points at: internet (public endpoint) | intranet (a runner inside the VPC).' },
  { name: 'tencentcloud-api-endpoint', description: 'A private or proxied address of the Tencent Cloud API (default: tke.tencentcloudapi.com, or tke.<region>.tencentcloudapi.com for a finance region).' },
  { name: 'kube-context', description: 'Context of the kubeconfig to use (default: its current-context).' },
  { name: 'timeout', default: '10m', description: 'How long deploy waits for Harbor to become ready (e.g. 10m, 90s).' },
  { name: 'rollback-on-failure', default: 'true', description: 'Roll back to the previous revision when the upgrade fails or Harbor does not become ready. Not across a Harbor version change (core may have migrated the database): the failure message then says how to roll back.' },
  { name: 'stuck-release', default: 'fail', description: 'A release left pending by a run that is gone (killed: its hold on the release expired; or an older action or plain helm: no hold): fail (explain and stop) or rollback (to the last deployed revision, then deploy). Never applies while another run holds the release.' },
  { name: 'lock-wait', default: '5m', description: 'How long deploy waits for another run that holds the release (a Lease in its namespace) to end, e.g. 5m or 90s; 0 fails at once. The log says who holds it and what it does.' },
  { name: 'history-max', default: '10', description: 'Release revisions Helm keeps.' },
  { name: 'force-upgrade', default: 'false', description: 'Upgrade even when nothing drifted (deploy skips the upgrade of a release that matches the inputs and is ready).' },
  { name: 'fail-on-drift', default: 'false', description: 'mode: diff fails the step when it finds drift.' },
  { name: 'cfs-prepare', default: 'true', description: 'Before deploying, run a short Job that creates the CFS directories owned by Harbor\'s user (10000), as the seed article warns Harbor will not start otherwise.' },
  { name: 'cfs-prepare-image', default: 'busybox:1.36', description: 'Image of the CFS preparation Job (needs sh, mkdir, chown).' },
  // Storage check and smoke test
  { name: 'storage-preflight', default: 'true', description: 'Before deploying, prove the COS bucket works the way the registry will use it (keys, region, path-style access, multipart) and measure its list-after-write lag.' },
  { name: 'smoke-test', default: 'true', description: 'After deploying, log in and push a tiny image, retrying exactly the errors COS eventual consistency causes.' },
  { name: 'smoke-test-client', default: 'native', description: 'native (OCI protocol, no Docker daemon) | docker (docker login/push with the same retry policy).' },
  { name: 'smoke-test-repository', default: 'library/harbor-smoke', description: 'Repository the smoke test pushes to (project/name; the project must exist).' },
  { name: 'smoke-test-timeout', default: '3m', description: 'Retry budget of the smoke test. Grows to 30 times the measured COS list lag when that is larger.' },
  { name: 'smoke-test-username', default: 'admin', description: 'User the smoke test logs in as.' },
  { name: 'smoke-test-password', secret: true, description: 'Password of smoke-test-username (default: admin-password).' },
  { name: 'registry-url', description: 'Where the smoke test reaches Harbor (default: external-url), e.g. an address the runner can reach.' },
  { name: 'smoke-test-keep', default: 'false', description: 'Keep the pushed image (default: delete it through the Harbor API).' },
] as const satisfies readonly InputDefinition[];

export type InputName = (typeof INPUTS)[number]['name'];

export const SECRET_INPUTS: readonly InputName[] = INPUTS.filter((input): input is Extract<(typeof INPUTS)[number], { secret: true }> => 'secret' in input && input.secret === true).map((input) => input.name);

export function inputDefault(name: InputName): string {
  const definition: InputDefinition | undefined = INPUTS.find((input) => input.name === name);
  return definition?.default ?? '';
}

export interface OutputDefinition {
  name: string;
  description: string;
}

export const OUTPUTS = [
  { name: 'values-file', description: 'Path of the chart values file this run used or rendered (secrets masked in render mode).' },
  { name: 'values-digest', description: 'sha256 of the values file: equal digests mean equal values.' },
  { name: 'summary-file', description: 'Path of a Markdown copy of the job summary (for a PR comment step: each step has its own step summary).' },
  { name: 'objects-file', description: 'Path of the objects deploy creates besides the chart (Secrets with their data replaced by its source, CFS volumes, VirtualService).' },
  { name: 'manifests-file', description: 'Path of the chart\'s rendered manifests (render mode, when the chart can be fetched).' },
  { name: 'helm-path', description: 'Path of the installed helm binary.' },
  { name: 'kubectl-path', description: 'Path of the installed kubectl binary (deploy and diff modes).' },
  { name: 'helm-version', description: 'Helm version installed (resolved, e.g. v4.1.4).' },
  { name: 'kubectl-version', description: 'kubectl version installed (resolved).' },
  { name: 'revision', description: 'Release revision after the deploy.' },
  { name: 'status', description: 'Release status after the deploy (deployed, failed, …).' },
  { name: 'chart-version', description: 'Chart version of the deployed release.' },
  { name: 'app-version', description: 'Harbor version of the deployed release.' },
  { name: 'front-service', description: 'The Service in front of Harbor, as namespace/name:port.' },
  { name: 'drifted', description: 'mode: diff: true when the release, its values or the live objects differ from the inputs (or the release is not installed).' },
  { name: 'diff-file', description: 'mode: diff (and deploy, when it found drift): path of the full change report: what restarts and why, then a unified diff per object (secrets never shown). The job summary carries as much of it as fits in a PR comment.' },
  { name: 'cancelled', description: 'true when the run was cancelled (or stopped by an unexpected error); revision and status then name the state it left the release in.' },
  { name: 'in-sync', description: 'mode: deploy: true when nothing drifted and no upgrade was needed.' },
  { name: 'lock-holder', description: 'mode: deploy: the run that held the release when this one gave up waiting for it (lock-wait), with the link to it.' },
  { name: 'cos-list-lag-ms', description: 'Measured COS list-after-write lag of the bucket, in milliseconds (storage preflight).' },
  { name: 'smoke-test-digest', description: 'Digest of the image the smoke test pushed and read back.' },
  { name: 'smoke-test-attempts', description: 'Requests the smoke test needed, counting every retry (1 + retries).' },
  { name: 'smoke-test-seconds', description: 'How long the smoke test took.' },
] as const satisfies readonly OutputDefinition[];
