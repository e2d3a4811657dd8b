/**
 * Access and identity reviews (`kubectl auth can-i`, `auth whoami`): everything is allowed except
 * what the simulator's deniedAccess rules name. RBAC itself is not modelled.
 */
import { deepClone } from './patch.js';
import { groupVersionOf, type ResourceType } from './resources.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface AccessRule {
  verb?: string;
  group?: string;
  resource?: string;
  namespace?: string;
}

export function answerReview(type: ResourceType, body: Obj, deniedAccess: AccessRule[]): object {
  const base = { apiVersion: groupVersionOf(type), kind: type.kind, metadata: { creationTimestamp: null }, spec: deepClone(body.spec ?? {}) };
  if (type.kind === 'SelfSubjectRulesReview') {
    return {
      ...base,
      status: {
        resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
        nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
        incomplete: false,
      },
    };
  }
  if (type.kind === 'SelfSubjectReview') {
    return { ...base, status: { userInfo: { username: 'kube-sim-admin', groups: ['system:masters', 'system:authenticated'] } } };
  }
  const attrs: Obj = body.spec?.resourceAttributes ?? {};
  const denied = deniedAccess.find(
    (rule) =>
      (!rule.verb || rule.verb === attrs.verb) &&
      (rule.group === undefined || rule.group === (attrs.group ?? '')) &&
      (!rule.resource || rule.resource === attrs.resource) &&
      (!rule.namespace || rule.namespace === attrs.namespace),
  );
  return { ...base, status: denied ? { allowed: false, denied: true } : { allowed: true, reason: 'kube-sim allows every request' } };
}
