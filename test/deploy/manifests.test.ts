// The deployment files: what `kubectl kustomize manifests/` renders, the IAM policy against the AWS
// calls in src/, the Slack app manifest and the Dockerfile.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

const ROOT = resolve(import.meta.dirname, '../..');
const MANIFESTS = join(ROOT, 'manifests');
const read = (...p: string[]) => readFileSync(join(ROOT, ...p), 'utf8');

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered Kubernetes objects are untyped YAML
type Obj = Record<string, any>;

const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
const hasKubectl = kubectl.status === 0;
const renderTitle = hasKubectl
  ? 'kubectl kustomize manifests/'
  : 'kubectl kustomize manifests/ — SKIPPED: kubectl is not on PATH, so the kustomization was not rendered';

function render(): Obj[] {
  const out = execFileSync('kubectl', ['kustomize', MANIFESTS], { encoding: 'utf8' });
  return parseAllDocuments(out)
    .map((d) => {
      if (d.errors.length) throw d.errors[0];
      return d.toJS() as Obj;
    })
    .filter(Boolean);
}

describe.skipIf(!hasKubectl)(renderTitle, () => {
  const objs = hasKubectl ? render() : [];
  const one = (kind: string, name?: string): Obj => {
    const found = objs.filter((o) => o.kind === kind && (!name || o.metadata.name === name));
    expect(found, `${kind}${name ? ` ${name}` : ''}`).toHaveLength(1);
    return found[0];
  };

  it('renders every object, and no Secret', () => {
    const kinds = objs.map((o) => `${o.kind}/${o.metadata.name}`).sort();
    expect(kinds).toEqual(
      [
        'ClusterRole/mngbot',
        'ClusterRoleBinding/mngbot',
        'ConfigMap/mngbot-config',
        'ConfigMap/mngbot-env',
        'Deployment/mngbot',
        'Namespace/mngbot',
        'NetworkPolicy/mngbot',
        'CustomResourceDefinition/nodegroupupgrades.mngbot.io',
        'CustomResourceDefinition/upgradeaudits.mngbot.io',
        'CustomResourceDefinition/upgradeevents.mngbot.io',
        'CustomResourceDefinition/upgradeschedules.mngbot.io',
        'Role/mngbot-state',
        'RoleBinding/mngbot-state',
        'PodDisruptionBudget/mngbot',
        'Service/mngbot',
        'ServiceAccount/mngbot',
      ].sort(),
    );
    const clusterScoped = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition']);
    for (const o of objs.filter((x) => !clusterScoped.has(x.kind))) {
      expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe('mngbot');
    }
  });

  it('annotates the ServiceAccount for IRSA', () => {
    const sa = one('ServiceAccount', 'mngbot');
    expect(sa.metadata.annotations['eks.amazonaws.com/role-arn']).toMatch(/^arn:aws:iam::\d{12}:role\/mngbot$/);
  });

  it('grants exactly the verbs mngbot uses, without wildcards', () => {
    const role = one('ClusterRole', 'mngbot');
    const granted = new Set<string>();
    for (const rule of role.rules as Obj[]) {
      expect(rule.nonResourceURLs).toBeUndefined();
      expect(rule.resourceNames).toBeUndefined();
      for (const g of rule.apiGroups) for (const r of rule.resources) for (const v of rule.verbs) {
        for (const part of [g, r, v]) expect(part).not.toContain('*');
        granted.add(`${g || 'core'}/${r}:${v}`);
      }
    }
    expect([...granted].sort()).toEqual(
      [
        'core/nodes:get', 'core/nodes:list', 'core/nodes:watch', 'core/nodes:patch',
        'core/pods:list', 'core/pods:watch', 'core/pods:delete',
        'core/pods/eviction:create',
        'policy/poddisruptionbudgets:list',
        'core/events:create',
      ].sort(),
    );
    const binding = one('ClusterRoleBinding', 'mngbot');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'mngbot' });
    expect(binding.subjects).toContainEqual({ kind: 'ServiceAccount', name: 'mngbot', namespace: 'mngbot' });
  });

  it('runs two non-root replicas with a read-only root filesystem, one per zone, probed on /livez and /readyz', () => {
    const dep = one('Deployment', 'mngbot');
    expect(dep.spec.replicas).toBe(2);
    // A new follower is up before an old pod goes.
    expect(dep.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    const pod = dep.spec.template.spec;
    expect(pod.topologySpreadConstraints).toContainEqual({
      maxSkew: 1,
      topologyKey: 'topology.kubernetes.io/zone',
      whenUnsatisfiable: 'DoNotSchedule',
      labelSelector: { matchLabels: dep.spec.template.metadata.labels },
    });
    expect(pod.serviceAccountName).toBe('mngbot');
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.containers).toHaveLength(1);
    const c = pod.containers[0];
    expect(c.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 10001,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(c.securityContext.capabilities.add).toBeUndefined();
    expect(c.securityContext.privileged).toBeFalsy();
    expect(c.resources.requests).toHaveProperty('cpu');
    expect(c.resources.requests).toHaveProperty('memory');
    expect(c.resources.limits).toHaveProperty('memory');
    // kustomize's images: rewrote the bare name, pinned by digest.
    expect(c.image).toMatch(/\/mngbot@sha256:[0-9a-f]{64}$/);

    const http = (c.ports as Obj[]).find((p) => p.name === 'http');
    expect(http?.containerPort).toBe(3000);
    expect(c.livenessProbe.httpGet.path).toBe('/livez');
    expect(c.readinessProbe.httpGet.path).toBe('/readyz');
    for (const probe of [c.livenessProbe, c.readinessProbe]) expect([http?.name, http?.containerPort]).toContain(probe.httpGet.port);

    const env = Object.fromEntries((c.env as Obj[]).map((e) => [e.name, e.value]));
    // State in the Kubernetes API, not on a volume.
    expect(env.MNG_STORE).toBe('kubernetes');
    expect(env.MNG_DATA_DIR).toBeUndefined();
    expect(env.MNG_CONFIG).toBe('/etc/mngbot/config.yaml');
    expect(c.envFrom).toEqual([{ configMapRef: { name: 'mngbot-env' } }]);

    // Where it runs, from the downward API: the engine replaces its own node last and moves itself.
    const fieldOf = (name: string) => (c.env as Obj[]).find((e) => e.name === name)?.valueFrom?.fieldRef?.fieldPath;
    expect([fieldOf('MNG_NODE_NAME'), fieldOf('MNG_POD_NAME'), fieldOf('MNG_POD_NAMESPACE')]).toEqual(['spec.nodeName', 'metadata.name', 'metadata.namespace']);
    // …and it prefers a home off the node groups it upgrades.
    expect(pod.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].preference.matchExpressions).toEqual([
      { key: 'mngbot.io/home', operator: 'In', values: ['true'] },
    ]);

    const volumes = Object.fromEntries((pod.volumes as Obj[]).map((v) => [v.name, v]));
    const mountAt = (path: string) => {
      const m = (c.volumeMounts as Obj[]).find((x) => x.mountPath === path);
      expect(m, `a volume mounted at ${path}`).toBeDefined();
      return volumes[m!.name];
    };
    expect((c.volumeMounts as Obj[]).map((m) => m.mountPath)).not.toContain('/data');
    expect(mountAt('/tmp').emptyDir).toBeDefined();
    const config = mountAt('/etc/mngbot').configMap;
    expect(config.name).toBe('mngbot-config');
    expect(config.items ?? [{ key: 'config.yaml', path: 'config.yaml' }]).toContainEqual({
      key: 'config.yaml',
      path: 'config.yaml',
    });
  });

  it("keeps Slack's secrets out of the environment: files from the mounted Secret", () => {
    const c = one('Deployment', 'mngbot').spec.template.spec;
    const container = c.containers[0];
    const env = Object.fromEntries((container.env as Obj[]).map((e) => [e.name, e.value]));
    expect(env.SLACK_BOT_TOKEN_FILE).toBe('/var/run/secrets/mngbot/SLACK_BOT_TOKEN');
    expect(env.SLACK_APP_TOKEN_FILE).toBe('/var/run/secrets/mngbot/SLACK_APP_TOKEN');
    for (const name of ['SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET']) expect(env).not.toHaveProperty(name);
    const mount = (container.volumeMounts as Obj[]).find((m) => m.mountPath === '/var/run/secrets/mngbot');
    expect(mount?.readOnly).toBe(true);
    const volume = (c.volumes as Obj[]).find((v) => v.name === mount!.name);
    expect(volume?.secret).toMatchObject({ secretName: 'mngbot-slack', defaultMode: 0o440 });
    const read = readFileSync(join('src', 'config', 'secret-files.ts'), 'utf8');
    for (const key of Object.keys(env).filter((k) => k.endsWith('_FILE'))) expect(read, `${key} is not read by config.ts`).toContain(`'${key}'`);
  });

  it('mounts the Kubernetes API token only in the bot, on purpose', () => {
    expect(one('ServiceAccount', 'mngbot').automountServiceAccountToken).toBe(false);
    expect(one('Deployment', 'mngbot').spec.template.spec.automountServiceAccountToken).toBe(true);
  });

  it('lets the bot reach only DNS and HTTPS, and be reached only on its http port', () => {
    const np = one('NetworkPolicy', 'mngbot');
    expect(np.spec.podSelector.matchLabels).toEqual(one('Deployment', 'mngbot').spec.template.metadata.labels);
    expect([...np.spec.policyTypes].sort()).toEqual(['Egress', 'Ingress']);
    const egressPorts = (np.spec.egress as Obj[]).flatMap((r) => r.ports as Obj[]).map((p) => `${p.protocol}/${p.port}`);
    expect(egressPorts.sort()).toEqual(['TCP/443', 'TCP/53', 'UDP/53']);
    const dns = (np.spec.egress as Obj[]).find((r) => (r.ports as Obj[]).some((p) => p.port === 53))!;
    expect(dns.to[0].podSelector.matchLabels).toEqual({ 'k8s-app': 'kube-dns' });
    for (const rule of np.spec.ingress as Obj[]) {
      expect(rule.from, 'no ingress from anywhere').toBeDefined();
      expect(rule.ports).toEqual([{ protocol: 'TCP', port: 'http' }]);
    }
  });

  it('keeps other drains off the bot with a PodDisruptionBudget', () => {
    const pdb = one('PodDisruptionBudget', 'mngbot');
    expect(pdb.spec.minAvailable).toBe(1);
    expect(pdb.spec.selector.matchLabels).toEqual(one('Deployment', 'mngbot').spec.template.metadata.labels);
  });

  it('defines the custom resources runs live in as src/store/kubernetes/crds.ts does', async () => {
    const { mngbotCrds } = await import('../../src/store/kubernetes/crds.js');
    const byName = (a: Obj, b: Obj) => String(a.metadata.name).localeCompare(String(b.metadata.name));
    const crds = objs.filter((o) => o.kind === 'CustomResourceDefinition').sort(byName);
    expect(crds).toEqual(mngbotCrds().sort(byName));
  });

  it('grants the store and the Lease exactly what they call, in mngbot’s namespace only', () => {
    const role = one('Role', 'mngbot-state');
    const granted = new Set<string>();
    for (const rule of role.rules as Obj[]) {
      for (const g of rule.apiGroups) for (const r of rule.resources) for (const v of rule.verbs) {
        for (const part of [g, r, v]) expect(part).not.toContain('*');
        granted.add(`${g}/${r}:${v}${rule.resourceNames ? `[${rule.resourceNames.join(',')}]` : ''}`);
      }
    }
    expect([...granted].sort()).toEqual(
      [
        'mngbot.io/nodegroupupgrades:get', 'mngbot.io/nodegroupupgrades:list', 'mngbot.io/nodegroupupgrades:watch', 'mngbot.io/nodegroupupgrades:create', 'mngbot.io/nodegroupupgrades:update',
        'mngbot.io/upgradeevents:get', 'mngbot.io/upgradeevents:create', 'mngbot.io/upgradeevents:delete',
        'mngbot.io/upgradeschedules:get', 'mngbot.io/upgradeschedules:list', 'mngbot.io/upgradeschedules:create', 'mngbot.io/upgradeschedules:update', 'mngbot.io/upgradeschedules:delete',
        'mngbot.io/upgradeaudits:get', 'mngbot.io/upgradeaudits:list', 'mngbot.io/upgradeaudits:create', 'mngbot.io/upgradeaudits:update',
        'coordination.k8s.io/leases:create',
        'coordination.k8s.io/leases:get[mngbot-leader]', 'coordination.k8s.io/leases:update[mngbot-leader]',
      ].sort(),
    );
    expect(one('RoleBinding', 'mngbot-state').subjects).toEqual([{ kind: 'ServiceAccount', name: 'mngbot', namespace: 'mngbot' }]);
  });

  it('serves the pod’s http port', () => {
    const svc = one('Service', 'mngbot');
    const pod = one('Deployment', 'mngbot').spec.template;
    for (const [k, v] of Object.entries(svc.spec.selector)) expect(pod.metadata.labels[k]).toBe(v);
    expect(svc.spec.ports).toContainEqual(expect.objectContaining({ targetPort: 'http' }));
  });

  it('ships an example config that parses, and environment for the bot', () => {
    const config = parse(one('ConfigMap', 'mngbot-config').data['config.yaml']);
    expect(Object.keys(config.clusters).length).toBeGreaterThan(0);
    for (const c of Object.values(config.clusters) as Obj[]) expect(c.region).toMatch(/^[a-z]{2}-[a-z]+-\d$/);
    expect(config.approvers).toBeDefined();
    expect(config.defaults).toBeDefined();
    expect(config.windows[0]).toMatchObject({ cron: expect.any(String), duration: expect.any(String) });
    const env = one('ConfigMap', 'mngbot-env').data;
    expect(env.SLACK_SOCKET_MODE).toBe('true');
    for (const v of Object.values(env)) expect(String(v)).not.toMatch(/xox[a-z]-|xapp-/);
  });
});

describe('secret.example.yaml', () => {
  const text = read('manifests', 'secret.example.yaml');

  it('holds placeholders, not tokens, and tells how to create the real Secret', () => {
    expect(text).not.toMatch(/xox[a-z]-\d/);
    expect(text).not.toMatch(/xapp-\d/);
    const secret = parse(text);
    expect(secret.kind).toBe('Secret');
    expect(secret.metadata.name).toBe('mngbot-slack');
    expect(secret.data).toBeUndefined();
    for (const v of Object.values(secret.stringData) as string[]) expect(v).toMatch(/REPLACE-ME/);
    expect(Object.keys(secret.stringData).sort()).toEqual(['SLACK_APP_TOKEN', 'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET']);
    expect(text).toContain('kubectl -n mngbot create secret generic mngbot-slack');
  });

  it('is not applied by the kustomization', () => {
    const k = parse(read('manifests', 'kustomization.yaml'));
    expect(k.resources).not.toContain('secret.example.yaml');
  });
});

/** Every AWS API action src/ calls: each `XxxCommand` imported from an @aws-sdk/client-* package. */
function actionsUsed(): Set<string> {
  const prefixes: Record<string, string> = {
    'auto-scaling': 'autoscaling',
    ec2: 'ec2',
    eks: 'eks',
    ssm: 'ssm',
    sts: 'sts',
  };
  const files = readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  const used = new Set<string>();
  const importRe = /import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+['"]@aws-sdk\/client-([a-z0-9-]+)['"]/g;
  for (const f of files) {
    for (const m of read('src', f).matchAll(importRe)) {
      const prefix = prefixes[m[2]];
      for (const spec of m[1].split(',').map((s) => s.trim()).filter(Boolean)) {
        if (spec.startsWith('type ')) continue;
        const name = spec.split(/\s+as\s+/)[0];
        const action = /^(\w+)Command$/.exec(name)?.[1] ?? /^paginate(\w+)$/.exec(name)?.[1];
        if (!action) continue;
        expect(prefix, `${f}: @aws-sdk/client-${m[2]} has no IAM prefix in this test`).toBeDefined();
        used.add(`${prefix}:${action}`);
      }
    }
  }
  return used;
}

describe('iam-policy.json', () => {
  const policy = JSON.parse(read('manifests', 'iam-policy.json')) as { Version: string; Statement: Obj[] };
  const list = (x: string | string[] | undefined) => (x === undefined ? [] : Array.isArray(x) ? x : [x]);
  const allows = policy.Statement.filter((s) => s.Effect === 'Allow');
  const allowed = new Set(allows.flatMap((s) => list(s.Action)));

  it('is a policy document without wildcard actions', () => {
    expect(policy.Version).toBe('2012-10-17');
    for (const s of policy.Statement) {
      expect(s.NotAction).toBeUndefined();
      expect(s.NotResource).toBeUndefined();
      for (const a of list(s.Action)) expect(a, s.Sid).toMatch(/^[a-z0-9-]+:[A-Za-z]+$/);
      expect(s.Resource, s.Sid).toBeDefined();
    }
  });

  it('allows every AWS call the bot makes', () => {
    const used = actionsUsed();
    expect(used.size).toBeGreaterThan(10);
    const missing = [...used].filter((a) => !allowed.has(a));
    expect(missing, 'actions src/ calls that the policy does not allow').toEqual([]);
  });

  it('allows nothing else, apart from what AWS checks when a group gets a launch template', () => {
    // UpdateAutoScalingGroup with a launch template checks that the caller could launch from it.
    const launchCheck = new Set(['ec2:RunInstances', 'ec2:CreateTags', 'iam:PassRole']);
    const used = actionsUsed();
    const extra = [...allowed].filter((a) => !used.has(a) && !launchCheck.has(a));
    expect(extra, 'actions the policy allows that src/ never calls').toEqual([]);
  });

  it('scopes every write to a tag, a condition or named resources', () => {
    const readOnly = /^(autoscaling:Describe|ec2:Describe|eks:(Describe|List)|ssm:GetParameters?$)/;
    for (const s of allows) {
      const writes = list(s.Action).filter((a) => !readOnly.test(a));
      if (writes.length === 0) continue;
      const unscoped = list(s.Resource).includes('*') && !s.Condition;
      expect(unscoped, `${s.Sid}: ${writes.join(', ')} on Resource "*" without a condition`).toBe(false);
    }
    const tagged = (action: string) =>
      allows.some(
        (s) =>
          list(s.Action).includes(action) &&
          Object.values(s.Condition?.StringEquals ?? {}).length > 0 &&
          Object.keys(s.Condition.StringEquals).some((k) => k.endsWith('ResourceTag/mngbot.io/managed')),
      );
    for (const a of [
      'eks:UpdateNodegroupVersion',
      'eks:UpdateNodegroupConfig',
      'autoscaling:UpdateAutoScalingGroup',
      'autoscaling:TerminateInstanceInAutoScalingGroup',
      'autoscaling:SuspendProcesses',
      'autoscaling:ResumeProcesses',
      'ec2:CreateLaunchTemplateVersion',
    ]) {
      expect(tagged(a), `${a} is only allowed on resources tagged mngbot.io/managed=true`).toBe(true);
    }
  });

  it('assumes only the target roles it names, by account', () => {
    const assume = allows.filter((s) => list(s.Action).includes('sts:AssumeRole'));
    expect(assume.length).toBeGreaterThan(0);
    for (const arn of assume.flatMap((s) => list(s.Resource))) expect(arn).toMatch(/^arn:aws:iam::\d{12}:role\/[\w+=,.@-]+$/);
  });

  it('reads only the public EKS and Bottlerocket image parameters', () => {
    const ssm = allows.filter((s) => list(s.Action).some((a) => a.startsWith('ssm:')));
    expect(ssm.flatMap((s) => list(s.Resource)).sort()).toEqual([
      'arn:aws:ssm:*::parameter/aws/service/bottlerocket/*',
      'arn:aws:ssm:*::parameter/aws/service/eks/*',
    ]);
  });
});

describe('slack-app.yaml', () => {
  const manifest = parse(read('manifests', 'slack-app.yaml'));

  it('declares /mng, the bot scopes it uses and interactivity, in Socket Mode', () => {
    expect(manifest.display_information.name).toBe('mngbot');
    expect(manifest.features.bot_user.display_name).toBe('mngbot');
    expect(manifest.features.slash_commands).toContainEqual(
      expect.objectContaining({ command: '/mng', usage_hint: 'upgrade nodegroup 1.30 | list | status | help' }),
    );
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual(
      // users:read is not asked for: nothing calls users.*; the history scopes are for conversations.replies.
      ['channels:history', 'chat:write', 'commands', 'groups:history', 'usergroups:read'].sort(),
    );
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.socket_mode_enabled).toBe(true);
    expect(manifest.settings.org_deploy_enabled).toBe(false);
  });
});

describe('slack-app.yaml against the code', () => {
  // Each Web API method src/ calls, and the bot scopes it needs (api.slack.com/methods).
  const SCOPES: Record<string, string[]> = {
    'chat.postMessage': ['chat:write'],
    'chat.update': ['chat:write'],
    'chat.getPermalink': [],
    'conversations.replies': ['channels:history', 'groups:history'],
    'usergroups.users.list': ['usergroups:read'],
  };

  it('asks for exactly the scopes of the methods the bot calls, and commands for /mng', () => {
    const files = readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const methods = new Set<string>();
    for (const f of files) for (const m of read('src', f).matchAll(/\bclient\.((?:chat|conversations|users|usergroups|views|reactions|files|team|im)\.[\w.]+)\(/g)) methods.add(m[1]);
    expect(methods.size).toBeGreaterThan(3);
    const unknown = [...methods].filter((m) => !(m in SCOPES));
    expect(unknown, 'Web API methods this test does not know the scopes of: add them above').toEqual([]);
    const needed = new Set(['commands', ...[...methods].flatMap((m) => SCOPES[m])]);
    expect([...parse(read('manifests', 'slack-app.yaml')).oauth_config.scopes.bot].sort()).toEqual([...needed].sort());
  });
});

describe('Dockerfile', () => {
  const text = read('Dockerfile');
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const instr = (name: string) => lines.filter((l) => l.toUpperCase().startsWith(`${name} `));

  it('builds in stages on a current Node LTS', () => {
    const froms = instr('FROM');
    expect(froms.length).toBeGreaterThanOrEqual(2);
    expect(froms.some((f) => / AS deps$/i.test(f))).toBe(true);
    expect(text).toMatch(/npm ci --omit=dev/);
    expect(text).toMatch(/COPY --from=deps \/app\/node_modules/);
    const image = /ARG NODE_IMAGE=node:(\d+)-/.exec(text);
    expect(Number(image?.[1])).toBeGreaterThanOrEqual(22);
  });

  it('runs non-root, healthchecked, with the production command', () => {
    const users = instr('USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^USER (root|0)\b/);
    expect(users.at(-1)).toMatch(/10001/);
    expect(instr('HEALTHCHECK').join(' ')).toMatch(/\bnode\b.*http:\/\/127\.0\.0\.1:.*\/healthz/);
    expect(instr('EXPOSE')).toContain('EXPOSE 3000');
    expect(text).toMatch(/NODE_ENV=production/);
    expect(instr('WORKDIR')).toContain('WORKDIR /app');
    expect(JSON.parse(instr('CMD').at(-1)!.slice(4))).toEqual(['node', 'dist/main.js']);
  });

  it('has a HEALTHCHECK that passes on 200 from /healthz and fails otherwise', async () => {
    const hc = instr('HEALTHCHECK').at(-1)!;
    const argv = JSON.parse(hc.slice(hc.indexOf('CMD [') + 4)) as string[];
    expect(argv[0]).toBe('node');
    let status = 200;
    const paths: string[] = [];
    const server = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(status).end();
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const port = String((server.address() as AddressInfo).port);
    const check = () =>
      new Promise<number>((ok) => {
        execFile(process.execPath, argv.slice(1), { env: { ...process.env, PORT: port }, timeout: 10_000 }, (err) =>
          ok(err ? Number((err as { code?: number }).code ?? 1) : 0),
        );
      });
    try {
      expect(await check()).toBe(0);
      status = 503;
      expect(await check()).not.toBe(0);
      expect(paths).toEqual(['/healthz', '/healthz']);
    } finally {
      server.close();
    }
  });

  it("starts as its own example says: the image's environment and the example's make a configuration", async () => {
    // ENV instructions (continued lines joined) and `docker run … -e K=V … mngbot` in the header comment.
    const env: Record<string, string> = {};
    for (const line of instr('ENV')) for (const [, k, v] of line.slice(4).matchAll(/(\w+)=(\S+)/g)) env[k] = v;
    const example = /^#\s+docker run (.*) mngbot$/m.exec(text);
    expect(example, 'the docker run example').not.toBeNull();
    for (const [, k, v] of example![1].matchAll(/-e (\w+)=(\S+)/g)) env[k] = v === '…' ? { SLACK_BOT_TOKEN: 'xoxb-example', SLACK_APP_TOKEN: 'xapp-example' }[k] ?? 'example' : v;
    const { loadConfig, missingSlackSettings } = await import('../../src/config.js');
    const config = await loadConfig({ env });
    expect(config.world).toMatchObject({ kind: 'sim' });
    expect(missingSlackSettings(config.slack)).toEqual([]);
    // The scenario it names is in the image: scenarios/ is copied to /app/scenarios.
    const scenario = (config.world as { scenario: string }).scenario;
    expect(scenario.startsWith('/app/')).toBe(true);
    expect(existsSync(join(ROOT, scenario.slice('/app/'.length))), scenario).toBe(true);
    expect(instr('COPY')).toContain('COPY scenarios ./scenarios');
  });

  it('runs on production dependencies alone: every package src/ imports is one', () => {
    const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
    const files = readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
    const imported = new Set<string>();
    for (const f of files) {
      // Type-only imports vanish in the build; everything else is loaded at run time.
      const code = read('src', f).replace(/^\s*(?:import|export) type [^;]+;/gm, '');
      for (const m of code.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) {
        const spec = m[1] ?? m[2];
        if (spec.startsWith('.') || spec.startsWith('node:')) continue;
        imported.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
      }
    }
    expect(imported.size).toBeGreaterThan(5);
    expect([...imported].filter((p) => !(p in pkg.dependencies)), 'imported by src/ but not a production dependency').toEqual([]);
  });

  it('carries the CLI, compiled, and no TypeScript tooling', () => {
    expect(instr('COPY')).toContain('COPY bin ./bin');
    expect(text).toMatch(/ln -s \/app\/bin\/mngbot\.js \/usr\/local\/bin\/mngbot/);
    // The final stage copies dist/ from the build stage, never src/.
    const final = text.slice(text.lastIndexOf('\nFROM '));
    expect(final).toMatch(/COPY --from=build \/app\/dist \.\/dist/);
    expect(final).not.toMatch(/COPY (\.|src)\b/);
    const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string>; devDependencies: Record<string, string>; scripts: Record<string, string> };
    for (const tool of ['tsx', 'typescript', 'vitest']) expect(pkg.dependencies[tool], `${tool} is not a production dependency`).toBeUndefined();
    expect(pkg.scripts.build).toMatch(/tsc -p tsconfig\.build\.json/);
    expect(pkg.scripts.start).toBe('tsx src/main.ts');
  });

  it('is fed only what the app runs (.dockerignore)', () => {
    const ignore = read('.dockerignore').split('\n').map((l) => l.trim());
    for (const e of ['node_modules', 'data', '.git', 'test', 'bench', 'coverage', '*.log', '.ci']) {
      expect(ignore, e).toContain(e);
    }
  });
});

describe('the example configuration', () => {
  const docs = parseAllDocuments(readFileSync(join('manifests', 'configmap.yaml'), 'utf8')).map((d) => d.toJSON());
  const configMap = docs.find((d) => d?.metadata?.name === 'mngbot-config');

  it('is a file config.ts accepts, with every documented kind of key', async () => {
    const { parseConfigText, windowsFor } = await import('../../src/config.js');
    const config = parseConfigText(configMap.data['config.yaml'], 'manifests/configmap.yaml');
    expect(config.clusters.map((c) => c.name)).toEqual(['prod-eu', 'staging-eu']);
    const prod = config.clusters[0];
    expect(prod.roleArn).toBe('arn:aws:iam::444455556666:role/mngbot-target');
    expect(prod.selfManaged?.['legacy-workers']).toEqual({ asgName: 'prod-eu-legacy-workers-asg', amiType: 'AL2023_x86_64_STANDARD', maxUnavailable: 2 });
    expect(prod.nodegroups).toEqual(['general', 'legacy-workers', 'kafka']);
    const all = { clusters: config.clusters, windows: config.windows ?? [] };
    expect(windowsFor(all, { cluster: 'prod-eu', nodegroup: 'kafka' })[0].cron).toBe('0 2 * * 3');
    expect(windowsFor(all, { cluster: 'prod-eu', nodegroup: 'general' })[0].cron).toBe('0 22 * * 2');
    expect(windowsFor(all, { cluster: 'staging-eu', nodegroup: 'any' })[0].cron).toBe('0 9 * * 2-4');
    expect(config.defaults).toMatchObject({ maxUnavailable: 1, drainTimeoutMs: 15 * 60_000, approvalExpiryMs: 24 * 3_600_000 });
  });

  it('names only environment variables config.ts reads', async () => {
    const env = docs.find((d) => d?.metadata?.name === 'mngbot-env').data as Record<string, string>;
    const { loadConfig } = await import('../../src/config.js');
    const config = await loadConfig({ env: { ...env, SLACK_BOT_TOKEN: 'xoxb-example' } });
    expect(config.world.kind).toBe('aws');
    expect(config.slack.socketMode).toBe(true);
    const read = readFileSync(join('src', 'config', 'env-schema.ts'), 'utf8');
    for (const key of Object.keys(env)) {
      if (key.startsWith('AWS_')) continue; // read by the AWS SDK itself
      expect(read, `${key} is not read by config.ts`).toContain(`'${key}'`);
    }
  });
});
