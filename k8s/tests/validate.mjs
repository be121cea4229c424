// Renders the overlays and checks every object offline, as a cluster's admission would and more:
//   1. schema: each object validates against the Kubernetes OpenAPI schemas (kubernetes-models),
//      and has no field the API does not know (TypeScript's excess-property check against the
//      same package's types: the compiled schemas accept unknown fields, a misspelt
//      `readinessprobe` would pass them and be dropped by a lenient apply);
//   2. policy: containers run as non-root with a read-only root, no privilege escalation, probes,
//      requests and limits; no Secret value (or anything that looks like a credential) sits in a
//      ConfigMap or a plain env value; references to ConfigMaps and Secrets resolve; every
//      Deployment has an HPA and a PDB, every Service selects pods;
//   3. network: the service-to-service calls the NetworkPolicies allow are exactly those of
//      shared/ARCHITECTURE.md.
// `--self-test` breaks the rendered overlays in each of those ways and fails unless every break is
// caught, so a check that silently stopped checking is noticed.
//
// Usage: node k8s/tests/validate.mjs [--self-test]   (from anywhere; needs kubectl and npm ci)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

// The calls of shared/ARCHITECTURE.md: caller -> callee.
const EXPECTED_CALLS = [
  'intake->inspection', 'intake->coaching', 'coaching->inspection',
  'reporting->inspection', 'reporting->intake', 'reporting->coaching',
];
const SERVICES = ['inspection', 'intake', 'coaching', 'reporting'];
const GRPC_PORT = 50051;
const HEALTH_PORT = 50052;  // plaintext, health only: what the probes ask
// Secrets prod expects to exist in the cluster (never in git): see overlays/prod.
const EXTERNAL_SECRETS = {
  dev: [],
  prod: ['inspection-database', 'intake-database', 'coaching-database', 'reporting-database',
    'lv-postgres-ca', 'lv-tls', 'lv-identity-provider', 'inspection-service-token',
    'intake-service-token', 'coaching-service-token', 'reporting-service-token'],
};
const CREDENTIAL_KEY = /(password|passwd|secret|token|dsn|private[_-]?key|credential)/i;
// A setting that names the file a credential is mounted at (LV_SERVICE_TOKEN_FILE=/etc/...) is
// not the credential itself.
const namesAFile = (key, value) => /_FILE$/.test(key) && String(value).startsWith('/');
const CREDENTIAL_VALUE = [/[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^@\s]+@/i, /-----BEGIN [A-Z ]*PRIVATE KEY/,
  /(password|passwd)\s*=/i];

export function render(overlay) {
  const text = execFileSync('kubectl', ['kustomize', join(root, 'k8s', 'overlays', overlay)],
    { encoding: 'utf8' });
  return parseAllDocuments(text).map((d) => {
    if (d.errors.length) throw new Error(`${overlay}: YAML: ${d.errors[0].message}`);
    const o = d.toJS();
    // kustomize wraps long base64 at 70 columns; the API server's decoder skips the line breaks,
    // the schema's "byte" format does not.
    if (o.kind === 'Secret') {
      for (const k of Object.keys(o.data ?? {})) o.data[k] = o.data[k].replace(/\s+/g, '');
    }
    return o;
  });
}

const id = (o) => `${o.kind}/${o.metadata?.name}`;

async function schemaErrors(objects) {
  const errors = [];
  for (const o of objects) {
    const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
    const module = group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`;
    let Model;
    try {
      Model = (await import(module))[o.kind];
    } catch {
      Model = undefined;
    }
    if (!Model) {
      errors.push(`${id(o)}: no schema for ${o.apiVersion} ${o.kind}`);
      continue;
    }
    try {
      new Model(o).validate();
    } catch (e) {
      errors.push(`${id(o)}: schema: ${e.message}`);
    }
  }
  return errors;
}

// One typed constant per object; tsc reports any property its Kubernetes type lacks. The file
// lives under node_modules/.cache so that tsc resolves kubernetes-models from the repository.
function unknownFieldErrors(objects) {
  const dir = join(root, 'node_modules', '.cache', 'lv-k8s-check');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `check-${process.pid}.ts`);
  const lines = [];
  const owner = [];  // line number (1-based) -> object index
  objects.forEach((o, i) => {
    const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
    const module = ['kubernetes-models', group, version, o.kind].filter(Boolean).join('/');
    const chunk = [`import type { I${o.kind} as T${i} } from '${module}';`,
      ...`export const o${i}: T${i} = ${JSON.stringify(o, null, 1)};`.split('\n')];
    for (const l of chunk) {
      lines.push(l);
      owner.push(i);
    }
  });
  writeFileSync(file, lines.join('\n'));
  const tsc = spawnSync(join(root, 'node_modules', '.bin', 'tsc'), ['--noEmit', '--strict',
    '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck', file], { encoding: 'utf8' });
  rmSync(file, { force: true });
  if (tsc.error) return [`type check: cannot run tsc (npm ci): ${tsc.error.message}`];
  const errors = [];
  for (const m of tsc.stdout.matchAll(/\.ts\((\d+),\d+\): error TS\d+: (.*)/g)) {
    const o = objects[owner[Number(m[1]) - 1]];
    const what = m[2].replace(/Object literal may only specify known properties, and '"?([^'"]+)"?' does not exist in type '([^']+)'\./,
      'unknown field $1 (in $2)');
    errors.push(`${o ? id(o) : 'type check'}: schema: ${what}`);
  }
  if (tsc.status !== 0 && !errors.length) errors.push(`type check failed: ${tsc.stdout}${tsc.stderr}`);
  return errors;
}

const podSpecOf = (o) => (['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(o.kind)
  ? o.spec?.template?.spec : o.kind === 'Pod' ? o.spec : undefined);
const podLabelsOf = (o) => (o.kind === 'Pod' ? o.metadata?.labels : o.spec?.template?.metadata?.labels) ?? {};
const matches = (selector, labels) => selector !== undefined &&
  Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
const decode = (s) => Buffer.from(s, 'base64').toString('utf8');

function policyErrors(objects, overlay) {
  const errors = [];
  const byKind = (k) => objects.filter((o) => o.kind === k);
  const configMaps = new Map(byKind('ConfigMap').map((o) => [o.metadata.name, o]));
  const secrets = new Map(byKind('Secret').map((o) => [o.metadata.name, o]));
  const secretValues = [];
  for (const s of secrets.values()) {
    for (const v of Object.values(s.data ?? {})) secretValues.push(decode(v));
    for (const v of Object.values(s.stringData ?? {})) secretValues.push(v);
  }
  const secretExists = (name) => secrets.has(name) || EXTERNAL_SECRETS[overlay].includes(name);
  const looksSecret = (value) => CREDENTIAL_VALUE.some((re) => re.test(value)) ||
    secretValues.some((s) => s.length >= 6 && value.includes(s));

  for (const cm of configMaps.values()) {
    for (const [k, v] of Object.entries(cm.data ?? {})) {
      if (CREDENTIAL_KEY.test(k) && !namesAFile(k, v)) errors.push(`${id(cm)}: key ${k} looks like a credential; use a Secret`);
      if (looksSecret(String(v))) errors.push(`${id(cm)}: value of ${k} is a secret; use a Secret`);
    }
  }

  for (const w of objects) {
    const spec = podSpecOf(w);
    if (!spec) continue;
    const podSc = spec.securityContext ?? {};
    if (spec.hostNetwork || spec.hostPID || spec.hostIPC) errors.push(`${id(w)}: uses the host's namespaces`);
    for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
      const at = `${id(w)} container ${c.name}`;
      const sc = c.securityContext ?? {};
      const runAsNonRoot = sc.runAsNonRoot ?? podSc.runAsNonRoot;
      const runAsUser = sc.runAsUser ?? podSc.runAsUser;
      if (runAsNonRoot !== true) errors.push(`${at}: runAsNonRoot is not true`);
      if (runAsUser === undefined || runAsUser === 0) errors.push(`${at}: runs as root (runAsUser ${runAsUser})`);
      if (sc.readOnlyRootFilesystem !== true) errors.push(`${at}: root filesystem is not read-only`);
      if (sc.allowPrivilegeEscalation !== false) errors.push(`${at}: allows privilege escalation`);
      if (sc.privileged) errors.push(`${at}: privileged`);
      if (!(sc.capabilities?.drop ?? []).includes('ALL')) errors.push(`${at}: does not drop all capabilities`);
      for (const kind of ['requests', 'limits']) {
        for (const r of ['cpu', 'memory']) {
          if (c.resources?.[kind]?.[r] === undefined) errors.push(`${at}: no ${r} ${kind.slice(0, -1)}`);
        }
      }
      const isServer = podLabelsOf(w)['app.kubernetes.io/component'] === 'server';
      for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
        if (!c[probe]) errors.push(`${at}: no ${probe}`);
        else if (isServer && c[probe].grpc?.port !== HEALTH_PORT) {
          errors.push(`${at}: ${probe} does not ask the gRPC health service on ${HEALTH_PORT}`);
        }
      }
      if (!c.image || c.image.endsWith(':latest') || !/:[^/]+$/.test(c.image)) {
        errors.push(`${at}: image ${c.image} has no fixed tag`);
      }
      for (const e of c.env ?? []) {
        if (e.value !== undefined && ((CREDENTIAL_KEY.test(e.name) && !namesAFile(e.name, e.value)) ||
            looksSecret(String(e.value)))) {
          errors.push(`${at}: env ${e.name} holds a secret in plain text`);
        }
        const cmRef = e.valueFrom?.configMapKeyRef?.name;
        if (cmRef && !configMaps.has(cmRef)) errors.push(`${at}: env ${e.name}: no ConfigMap ${cmRef}`);
        const sRef = e.valueFrom?.secretKeyRef?.name;
        if (sRef && !secretExists(sRef)) errors.push(`${at}: env ${e.name}: no Secret ${sRef}`);
      }
      if (isServer && overlay === 'prod') {
        for (const name of ['LV_TLS_CERT', 'LV_TLS_KEY', 'LV_TLS_CA']) {
          if (!c.env?.some((e) => e.name === name)) errors.push(`${at}: prod without mutual TLS (${name} unset)`);
        }
        const mode = c.env?.find((e) => e.name === 'LV_AUTH_MODE')?.value;
        if (mode !== 'jwt') errors.push(`${at}: prod accepts unsigned dev tokens (LV_AUTH_MODE ${mode ?? 'unset'})`);
        for (const name of ['LV_JWT_PUBLIC_KEY', 'LV_JWT_ISSUER', 'LV_SERVICE_TOKEN_FILE']) {
          if (!c.env?.some((e) => e.name === name)) errors.push(`${at}: prod without ${name}`);
        }
      }
      if (isServer && !c.env?.some((e) => e.name === 'LV_DATABASE' && e.valueFrom?.secretKeyRef)) {
        errors.push(`${at}: LV_DATABASE does not come from a Secret`);
      }
      for (const f of c.envFrom ?? []) {
        if (f.configMapRef && !configMaps.has(f.configMapRef.name)) errors.push(`${at}: no ConfigMap ${f.configMapRef.name}`);
        if (f.secretRef && !secretExists(f.secretRef.name)) errors.push(`${at}: no Secret ${f.secretRef.name}`);
      }
    }
    for (const v of spec.volumes ?? []) {
      if (v.secret && !secretExists(v.secret.secretName)) errors.push(`${id(w)}: volume ${v.name}: no Secret ${v.secret.secretName}`);
      if (v.hostPath) errors.push(`${id(w)}: volume ${v.name} is a hostPath`);
    }
  }

  for (const d of byKind('Deployment')) {
    const scaled = byKind('HorizontalPodAutoscaler').some((h) => h.spec.scaleTargetRef.kind === 'Deployment' &&
      h.spec.scaleTargetRef.name === d.metadata.name);
    if (!scaled) errors.push(`${id(d)}: no HorizontalPodAutoscaler`);
    const budgeted = byKind('PodDisruptionBudget').some((p) => matches(p.spec.selector, podLabelsOf(d)));
    if (!budgeted) errors.push(`${id(d)}: no PodDisruptionBudget`);
    if (!(podSpecOf(d).topologySpreadConstraints ?? []).length) errors.push(`${id(d)}: no topology spread`);
  }
  const workloads = objects.filter((o) => podSpecOf(o));
  for (const s of byKind('Service')) {
    if (!workloads.some((w) => matches({ matchLabels: s.spec.selector }, podLabelsOf(w)))) {
      errors.push(`${id(s)}: selects no pods`);
    }
  }
  return errors;
}

// Which service may call which, from the NetworkPolicies, for TCP on the gRPC port.
export function allowedCalls(objects) {
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  const pods = new Map();
  for (const w of objects.filter((o) => podSpecOf(o))) {
    const name = podLabelsOf(w)['app.kubernetes.io/name'];
    if (SERVICES.includes(name)) pods.set(name, podLabelsOf(w));
  }
  const portOk = (rule) => !rule.ports || rule.ports.some((p) => (p.protocol ?? 'TCP') === 'TCP' &&
    (p.port === undefined || p.port === GRPC_PORT || p.port === 'grpc'));
  // A peer with a namespaceSelector only matches pods of other (labelled) namespaces.
  const peerOk = (peers, labels) => !peers || peers.some((p) => !p.namespaceSelector && !p.ipBlock &&
    matches(p.podSelector, labels));
  const allows = (direction, selfLabels, peerLabels) => {
    const selecting = policies.filter((p) => matches(p.spec.podSelector, selfLabels) &&
      (p.spec.policyTypes ?? ['Ingress']).includes(direction));
    if (!selecting.length) return true;  // not isolated
    const rules = selecting.flatMap((p) => p.spec[direction === 'Ingress' ? 'ingress' : 'egress'] ?? []);
    return rules.some((r) => portOk(r) && peerOk(direction === 'Ingress' ? r.from : r.to, peerLabels));
  };
  const calls = [];
  for (const [from, fromLabels] of pods) {
    for (const [to, toLabels] of pods) {
      if (from !== to && allows('Egress', fromLabels, toLabels) && allows('Ingress', toLabels, fromLabels)) {
        calls.push(`${from}->${to}`);
      }
    }
  }
  return calls.sort();
}

function networkErrors(objects) {
  const errors = [];
  const calls = allowedCalls(objects);
  const expected = [...EXPECTED_CALLS].sort();
  for (const c of calls) if (!expected.includes(c)) errors.push(`network: ${c} is allowed but not an architecture call`);
  for (const c of expected) if (!calls.includes(c)) errors.push(`network: ${c} is an architecture call but blocked`);
  return errors;
}

export async function check(objects, overlay) {
  return [...await schemaErrors(objects), ...unknownFieldErrors(objects), ...policyErrors(objects, overlay),
    ...networkErrors(objects)];
}

// Each break must produce at least one error naming what broke.
const BREAKS = [
  ['container runs as root', /runs as root|runAsNonRoot/, (os) => {
    const d = os.find((o) => o.kind === 'Deployment');
    d.spec.template.spec.securityContext.runAsUser = 0;
    d.spec.template.spec.securityContext.runAsNonRoot = false;
    d.spec.template.spec.containers[0].securityContext.runAsNonRoot = false;
  }],
  ['writable root filesystem', /not read-only/, (os) => {
    delete os.find((o) => o.kind === 'StatefulSet').spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem;
  }],
  ['missing readiness probe', /no readinessProbe/, (os) => {
    delete os.find((o) => o.kind === 'Deployment').spec.template.spec.containers[0].readinessProbe;
  }],
  ['probe not on gRPC health', /gRPC health/, (os) => {
    os.find((o) => o.kind === 'Deployment').spec.template.spec.containers[0].livenessProbe = { tcpSocket: { port: 50052 } };
  }],
  ['missing memory limit', /no memory limit/, (os) => {
    delete os.find((o) => o.kind === 'Deployment').spec.template.spec.containers[0].resources.limits.memory;
  }],
  ['DSN in a ConfigMap', /is a secret|looks like a credential/, (os) => {
    const secret = os.find((o) => o.kind === 'Secret' && o.metadata.name.startsWith('coaching-database'));
    os.find((o) => o.kind === 'ConfigMap').data.LV_DATABASE = decode(secret.data.dsn);
  }],
  ['secret value in a plain env', /plain text/, (os) => {
    os.find((o) => o.kind === 'Deployment').spec.template.spec.containers[0].env.push(
      { name: 'LV_COACHING_TARGET', value: 'dev-only-superuser' });
  }],
  ['dangling Secret reference', /no Secret/, (os) => {
    os.find((o) => o.kind === 'Deployment').spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name = 'nope';
  }],
  ['schema violation', /schema/, (os) => {
    os.find((o) => o.kind === 'Deployment').spec.replicas = 'two';
  }],
  ['misspelt field', /unknown field readinessprobe/, (os) => {
    const c = os.find((o) => o.kind === 'Deployment').spec.template.spec.containers[0];
    c.readinessprobe = c.readinessProbe;
  }],
  ['secret token pasted into a plain env', /plain text/, (os) => {
    os.find((o) => o.kind === 'Deployment').spec.template.spec.containers[0].env.push(
      { name: 'LV_SERVICE_TOKEN', value: 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln' });
  }],
  ['prod taking dev tokens', /unsigned dev tokens/, (os) => {
    const c = os.find((o) => o.kind === 'Deployment').spec.template.spec.containers[0];
    c.env = c.env.filter((e) => e.name !== 'LV_AUTH_MODE');
  }, 'prod'],
  ['prod without mutual TLS', /without mutual TLS/, (os) => {
    const c = os.find((o) => o.kind === 'Deployment').spec.template.spec.containers[0];
    c.env = c.env.filter((e) => e.name !== 'LV_TLS_CA');
  }, 'prod'],
  ['extra network path', /coaching->intake is allowed/, (os) => {
    os.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'oops' },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [{}], egress: [{}] } });
  }],
  ['blocked architecture call', /intake->coaching is an architecture call but blocked/, (os) => {
    const p = os.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'coaching-ingress');
    p.spec.ingress[0].from = p.spec.ingress[0].from.filter((f) => f.podSelector?.matchLabels?.['app.kubernetes.io/name'] !== 'intake');
  }],
  ['no PodDisruptionBudget', /no PodDisruptionBudget/, (os) => {
    os.splice(os.findIndex((o) => o.kind === 'PodDisruptionBudget'), 1);
  }],
];

async function selfTest() {
  const pristine = { dev: render('dev'), prod: render('prod') };
  let failed = 0;
  for (const [what, expect, breakIt, overlay = 'dev'] of BREAKS) {
    const objects = structuredClone(pristine[overlay]);
    breakIt(objects);
    const errors = await check(objects, overlay);
    const caught = errors.some((e) => expect.test(e));
    console.log(`${caught ? 'caught' : 'MISSED'}: ${what}${caught ? '' : ` (errors: ${errors.join('; ') || 'none'})`}`);
    if (!caught) failed++;
  }
  return failed;
}

async function main() {
  if (process.argv.includes('--self-test')) {
    const missed = await selfTest();
    if (missed) {
      console.error(`${missed} broken manifest(s) passed the checks`);
      process.exit(1);
    }
    console.log('every break was caught');
    return;
  }
  let total = 0;
  for (const overlay of ['dev', 'prod']) {
    const objects = render(overlay);
    const errors = await check(objects, overlay);
    const kinds = [...new Set(objects.map((o) => o.kind))].join(', ');
    console.log(`${overlay}: ${objects.length} objects (${kinds}); allowed calls: ${allowedCalls(objects).join(' ')}`);
    for (const e of errors) console.log(`  ${overlay}: ${e}`);
    total += errors.length;
  }
  if (total) {
    console.error(`${total} problem(s)`);
    process.exit(1);
  }
  console.log('all rendered objects valid; policies hold');
}

await main();
