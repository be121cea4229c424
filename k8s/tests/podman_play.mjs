// Turns rendered manifests into what `podman kube play` (podman 4.3, Debian 12) runs, changing only
// what podman lacks, and says what it changed:
//   - a StatefulSet becomes a Deployment with one PersistentVolumeClaim per claim template
//     (podman ignores StatefulSets without a word);
//   - Secrets become podman secrets in the JSON form podman 4.3 reads for secretKeyRef/secretRef
//     (it stores a played Secret as YAML, then fails to parse it as JSON);
//   - on the host's network, containers' ports are dropped (podman refuses port mappings there);
//   - secret volumes become host folders holding the Secret's files (podman 4.3 panics on them);
//   - Services, ServiceAccounts, HPAs, PDBs and NetworkPolicies are left out: podman has no
//     cluster to give them meaning (k8s/tests/validate.mjs checks them instead).
// Usage: node podman_play.mjs <rendered.yaml> <out-dir>  ->  <out-dir>/play.yaml, <out-dir>/secrets/*.json
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';

const [input, outDir] = process.argv.slice(2);
if (!input || !outDir) {
  console.error('usage: node podman_play.mjs <rendered.yaml> <out-dir>');
  process.exit(2);
}
const objects = parseAllDocuments(readFileSync(input, 'utf8')).map((d) => d.toJS());
const LEFT_OUT = new Set(['Service', 'ServiceAccount', 'HorizontalPodAutoscaler', 'PodDisruptionBudget',
  'NetworkPolicy']);
const play = [];
const leftOut = {};
mkdirSync(join(outDir, 'secrets'), { recursive: true });
for (const o of objects) {
  if (LEFT_OUT.has(o.kind)) {
    leftOut[o.kind] = (leftOut[o.kind] ?? 0) + 1;
  } else if (o.kind === 'Secret') {
    const data = {};
    for (const [k, v] of Object.entries(o.data ?? {})) data[k] = v.replace(/\s+/g, '');
    for (const [k, v] of Object.entries(o.stringData ?? {})) data[k] = Buffer.from(v).toString('base64');
    writeFileSync(join(outDir, 'secrets', `${o.metadata.name}.json`), JSON.stringify(data), { mode: 0o600 });
    console.log(`secret ${o.metadata.name} -> podman secret`);
  } else if (o.kind === 'StatefulSet') {
    const spec = o.spec.template.spec;
    for (const claim of o.spec.volumeClaimTemplates ?? []) {
      const name = `${claim.metadata.name}-${o.metadata.name}-0`;  // the name Kubernetes gives it
      play.push({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name }, spec: claim.spec });
      spec.volumes = [...(spec.volumes ?? []), { name: claim.metadata.name, persistentVolumeClaim: { claimName: name } }];
    }
    play.push({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: o.metadata,
      spec: { replicas: 1, selector: o.spec.selector, template: o.spec.template } });
    console.log(`StatefulSet/${o.metadata.name} -> Deployment with its volume claims`);
  } else {
    play.push(o);
  }
}
const secrets = new Map(objects.filter((o) => o.kind === 'Secret').map((o) => [o.metadata.name, o]));
for (const o of play) {
  const spec = o.spec?.template?.spec;
  if (spec?.hostNetwork) for (const c of spec.containers) delete c.ports;
  for (const v of spec?.volumes ?? []) {
    if (!v.secret) continue;
    const secret = secrets.get(v.secret.secretName);
    if (!secret) throw new Error(`${o.metadata.name}: volume ${v.name}: no Secret ${v.secret.secretName}`);
    const dir = resolve(outDir, 'secret-volumes', secret.metadata.name);
    mkdirSync(dir, { recursive: true });
    for (const [k, b64] of Object.entries(secret.data ?? {})) {
      writeFileSync(join(dir, k), Buffer.from(b64.replace(/\s+/g, ''), 'base64'), { mode: 0o644 });
    }
    delete v.secret;
    v.hostPath = { path: dir, type: 'Directory' };
    console.log(`${o.metadata.name}: secret volume ${v.name} -> host folder`);
  }
}
// Volumes and ConfigMaps before the pods that use them, and PostgreSQL before the services (they
// wait for it anyway: --database_wait).
const rank = (o) => (['PersistentVolumeClaim', 'ConfigMap'].includes(o.kind) ? 0
  : o.metadata.labels?.['app.kubernetes.io/name'] === 'postgres' ? 1 : 2);
play.sort((a, b) => rank(a) - rank(b));
console.log(`left out: ${Object.entries(leftOut).map(([k, n]) => `${n} ${k}`).join(', ')}`);
writeFileSync(join(outDir, 'play.yaml'), play.map((o) => stringify(o)).join('---\n'));
console.log(`${play.length} objects to play: ${play.map((o) => `${o.kind}/${o.metadata.name}`).join(' ')}`);
