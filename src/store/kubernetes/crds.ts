// The custom resources mngbot keeps its state in with MNG_STORE=kubernetes, defined once: the
// simulator registers these, and manifests/ha/crds.yaml is this text (a test compares them).
//   NodeGroupUpgrade  one per run: the run itself, its newest events, a summary `kubectl get` shows
//   UpgradeEvents     older events of a run, sealed in batches (a run's events can reach megabytes)
//   UpgradeSchedule   one per schedule
//   UpgradeAudit      one per day of the audit log
// No status subresource: a run and its summary are written in one PUT, compare-and-set on the object's
// resourceVersion, never in two writes that could part.

export const GROUP = 'mngbot.io';
export const VERSION = 'v1';
export const API_VERSION = `${GROUP}/${VERSION}`;

export interface KindNames {
  kind: string;
  plural: string;
  singular: string;
  shortNames?: string[];
}

export const RUNS: KindNames = { kind: 'NodeGroupUpgrade', plural: 'nodegroupupgrades', singular: 'nodegroupupgrade', shortNames: ['ngu'] };
export const EVENTS: KindNames = { kind: 'UpgradeEvents', plural: 'upgradeevents', singular: 'upgradeevents' };
export const SCHEDULES: KindNames = { kind: 'UpgradeSchedule', plural: 'upgradeschedules', singular: 'upgradeschedule' };
export const AUDIT: KindNames = { kind: 'UpgradeAudit', plural: 'upgradeaudits', singular: 'upgradeaudit' };

interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
}

/** Objects whose shape mngbot alone writes and checks (zod, on read): the schema keeps what it is given. */
const OPAQUE = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };

function crd(names: KindNames, description: string, columns: PrinterColumn[] = []): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${names.plural}.${GROUP}`, labels: { 'app.kubernetes.io/name': 'mngbot' } },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: {
        kind: names.kind,
        listKind: `${names.kind}List`,
        plural: names.plural,
        singular: names.singular,
        ...(names.shortNames ? { shortNames: names.shortNames } : {}),
        categories: ['mngbot'],
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', description, properties: { spec: OPAQUE, status: OPAQUE } } },
          ...(columns.length ? { additionalPrinterColumns: columns } : {}),
        },
      ],
    },
  };
}

export function mngbotCrds(): Record<string, unknown>[] {
  return [
    crd(RUNS, 'One upgrade of a node group by mngbot: spec.run is the run record, status a summary of its progress.', [
      { name: 'Run', type: 'string', jsonPath: '.status.runId' },
      { name: 'Cluster', type: 'string', jsonPath: '.status.cluster' },
      { name: 'Nodegroup', type: 'string', jsonPath: '.status.nodegroup' },
      { name: 'Status', type: 'string', jsonPath: '.status.status' },
      { name: 'Progress', type: 'string', jsonPath: '.status.progress' },
      { name: 'Target', type: 'string', jsonPath: '.status.toVersion', priority: 1 },
      { name: 'Phase', type: 'string', jsonPath: '.status.phase', priority: 1 },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ]),
    crd(EVENTS, "A sealed batch of an upgrade's older progress events."),
    crd(SCHEDULES, 'An upgrade someone asked for at a time, once or again and again.', [
      { name: 'Cluster', type: 'string', jsonPath: '.spec.schedule.ref.cluster' },
      { name: 'Nodegroup', type: 'string', jsonPath: '.spec.schedule.ref.nodegroup' },
      { name: 'At', type: 'string', jsonPath: '.spec.schedule.at' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ]),
    crd(AUDIT, "One day of mngbot's audit log: who asked, approved, cancelled what.", [
      { name: 'Entries', type: 'integer', jsonPath: '.status.entries' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ]),
  ];
}
