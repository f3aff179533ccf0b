// Which PDB covers each pod the watch shows, and per PDB how many of its pods are healthy, kept as pods
// change: a drain asks this on every step, for every budget it waits on, and counting the namespace's
// pods each time made a large group's run quadratic.
import type { PdbInfo, PodInfo } from './ports.js';

export const pdbKey = (b: { namespace: string; name: string }): string => `${b.namespace}/${b.name}`;

/** Every label the selector asks for, with its value (an empty selector matches all). */
export function matchesLabels(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** matchLabels only; an empty selector matches nothing here (PdbInfo cannot say what it was). */
export function selects(pdb: PdbInfo, pod: PodInfo): boolean {
  if (pdb.namespace !== pod.namespace) return false;
  const entries = selectorEntries(pdb);
  if (entries.length === 0) return false;
  for (const [k, v] of entries) if (pod.labels[k] !== v) return false;
  return true;
}

// Asked for every pod the watch shows: a PDB's selector is taken apart once.
const entriesOf = new WeakMap<PdbInfo, [string, string][]>();
function selectorEntries(pdb: PdbInfo): [string, string][] {
  let e = entriesOf.get(pdb);
  if (!e) entriesOf.set(pdb, (e = Object.entries(pdb.selector)));
  return e;
}

interface Covered {
  healthy: number;
  /** Longest grace period seen among its pods (pods of one workload share it; never lowered). */
  longestGraceS: number;
}

export class PdbIndex {
  private listing: readonly PdbInfo[] = [];
  private byKey = new Map<string, PdbInfo>();
  /** Names and selectors of the listing the index was built for: a new listing with the same ones keeps it. */
  private selectors = '';
  /** Grows when the listing's names or selectors change: what was worked out from the old ones is stale. */
  generation = 0;
  /** null: no PDB covers it. */
  private readonly keyOfPod = new Map<string, string | null>();
  private covered = new Map<string, Covered>();

  /** A new listing of the PDBs; `pods`: every pod the view holds, looked at again when the selectors changed. */
  list(pdbs: readonly PdbInfo[], pods: Iterable<PodInfo>): void {
    this.listing = pdbs;
    this.byKey = new Map(pdbs.map((b) => [pdbKey(b), b]));
    const selectors = JSON.stringify(pdbs.map((b) => [b.namespace, b.name, b.selector]));
    if (selectors === this.selectors) return;
    this.selectors = selectors;
    this.generation++;
    this.keyOfPod.clear();
    this.covered = new Map(pdbs.map((b) => [pdbKey(b), { healthy: 0, longestGraceS: 0 }]));
    for (const p of pods) this.put(p);
  }

  /** The pod is new or changed (its previous version was dropped first). */
  put(p: PodInfo): void {
    const pdb = this.listing.find((b) => selects(b, p));
    this.keyOfPod.set(p.uid, pdb ? pdbKey(pdb) : null);
    if (!pdb) return;
    const key = pdbKey(pdb);
    const c = this.covered.get(key)!;
    if (healthy(p)) c.healthy++;
    c.longestGraceS = Math.max(c.longestGraceS, p.gracePeriodSeconds);
  }

  /** A new version of a pod the index holds. */
  replace(old: PodInfo, p: PodInfo): void {
    const key = this.keyOfPod.get(old.uid);
    if (key === undefined || old.namespace !== p.namespace || !sameLabels(old.labels, p.labels)) {
      this.drop(old);
      this.put(p);
      return;
    }
    if (key === null) return;
    const c = this.covered.get(key)!;
    c.healthy += Number(healthy(p)) - Number(healthy(old));
    c.longestGraceS = Math.max(c.longestGraceS, p.gracePeriodSeconds);
  }

  drop(p: PodInfo): void {
    const key = this.keyOfPod.get(p.uid);
    this.keyOfPod.delete(p.uid);
    if (key == null) return;
    if (healthy(p)) this.covered.get(key)!.healthy--;
  }

  clear(): void {
    this.keyOfPod.clear();
    for (const c of this.covered.values()) c.healthy = 0;
  }

  /** The PDB of the latest listing that covers the pod (one the watch has not shown is matched now). */
  covering(p: PodInfo): PdbInfo | undefined {
    const key = this.keyOfPod.get(p.uid);
    if (key === undefined) return this.listing.find((b) => selects(b, p));
    return key === null ? undefined : this.byKey.get(key);
  }

  /** Pods the PDB covers that are Ready and not leaving. */
  healthy(pdb: PdbInfo): number {
    return this.covered.get(pdbKey(pdb))?.healthy ?? 0;
  }

  longestGraceS(pdb: PdbInfo): number {
    return this.covered.get(pdbKey(pdb))?.longestGraceS ?? 0;
  }
}

const healthy = (p: PodInfo) => p.ready && !p.terminating;

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  if (a === b) return true;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) if (a[k] !== b[k]) return false;
  return true;
}
